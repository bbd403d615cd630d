package org.bgan.cli;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code bgan serve ...}: hands the whole argument list to the serving package. */
final class ServeCommandLink extends Command {
  @Override
  String name() {
    return "serve";
  }

  @Override
  String synopsis() {
    return "--model-base-path savedmodels/<name> [--port 8501] [--host 127.0.0.1]";
  }

  @Override
  String description() {
    return "Serve a generator SavedModel over TF Serving's REST API ('bgan serve --help' for details).";
  }

  @Override
  Options options() {
    return new Options();
  }

  @Override
  int run(CommandLine cl) {
    throw new IllegalStateException("serve parses its own arguments");
  }

  static int serve(String[] args) {
    return org.bgan.serve.ServeCommand.run(args);
  }
}
