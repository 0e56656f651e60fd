package dev.tuneup.registry;

import java.nio.file.Path;

/** A base model from the configuration: an id and a Hugging Face layout directory. */
public record BaseModel(String id, Path path) {}
