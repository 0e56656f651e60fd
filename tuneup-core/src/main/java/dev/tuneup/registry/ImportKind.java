package dev.tuneup.registry;

/**
 * What an import registers: a {@link #BASE} model every user can fine-tune (an administrator's
 * {@code models pull}), or a user's {@link #CUSTOM} model, a LoRA adapter or full weights on top of
 * a base model (Model Studio's custom-model import).
 */
public enum ImportKind {
  BASE,
  CUSTOM
}
