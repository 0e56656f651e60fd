package dev.tuneup.registry;

import java.nio.file.Path;

/**
 * What a trainer or engine needs to load a model id: the directory of full weights and, for a LoRA
 * result, the adapter on top of it.
 *
 * @param id the id as asked for
 * @param baseModel the root base model id
 * @param weightsPath Hugging Face directory of full weights
 * @param adapterPath PEFT adapter directory, or null
 */
public record ResolvedModel(String id, String baseModel, Path weightsPath, Path adapterPath) {}
