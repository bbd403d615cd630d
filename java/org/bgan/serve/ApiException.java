package org.bgan.serve;

/**
 * A request the server answers with an error: the HTTP status and the message that goes into
 * TF Serving's {@code {"error": "..."}} body. Never carries a stack trace to the client.
 */
final class ApiException extends Exception {
  final int status;

  ApiException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  /** 400: the request is wrong (bad JSON, shape, dtype, unknown model or version, too big). */
  static ApiException badRequest(String message) {
    return new ApiException(400, message);
  }
}
