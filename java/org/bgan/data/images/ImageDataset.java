package org.bgan.data.images;

/** TEMPORARY stand-in until the dataset branch merges (same API). */
public interface ImageDataset {
  int size();
  int height();
  int width();
  int channels();
  void copyTo(int index, float[] dst, int off);
  String describe();
}
