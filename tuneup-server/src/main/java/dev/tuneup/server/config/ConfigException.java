package dev.tuneup.server.config;

/** A configuration value is missing or wrong; the message names the key, env var or flag. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
