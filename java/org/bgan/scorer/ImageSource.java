package org.bgan.scorer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Where images come from: a folder of files or a generator model; read in numbered batches. */
public interface ImageSource {
  /** One image, or a file that could not be decoded (image null, reason set). */
  record Item(String name, DecodedImage image, String reason) {}

  /** Number of images (files, for a folder) this source will deliver. */
  int size();

  /** Decodes or generates the images [index·batchSize, (index+1)·batchSize). Thread-safe. */
  List<Item> batch(int index, int batchSize);

  /** The files of a folder, decoded with ImageIO. */
  static ImageSource folder(List<Path> files) {
    return new ImageSource() {
      @Override
      public int size() {
        return files.size();
      }

      @Override
      public List<Item> batch(int index, int batchSize) {
        int from = index * batchSize;
        int to = Math.min(files.size(), from + batchSize);
        List<Item> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
          Path f = files.get(i);
          try {
            out.add(new Item(f.toString(), ImageDecoder.decode(f), null));
          } catch (ImageDecoder.BadImageException e) {
            out.add(new Item(f.toString(), null, e.getMessage()));
          }
        }
        return out;
      }
    };
  }
}
