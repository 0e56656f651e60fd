package dev.tuneup.registry;

import java.util.List;
import java.util.Optional;

/**
 * Persistence of base models registered at run time ({@code models add}, {@code models pull}), so
 * they survive restarts. Models of the configuration are not stored.
 */
public interface BaseModelStore {
  /**
   * Stores a model.
   *
   * @return false when a model of that id is stored already (nothing changes)
   */
  boolean insert(BaseModel model);

  Optional<BaseModel> find(String id);

  /** Every stored model, oldest first. */
  List<BaseModel> list();

  /** Removes a model; false when there was none. */
  boolean delete(String id);

  /** A store that holds nothing and refuses every insert (wiring without run-time models). */
  static BaseModelStore none() {
    return new BaseModelStore() {
      @Override
      public boolean insert(BaseModel model) {
        throw new UnsupportedOperationException("no store for registered base models");
      }

      @Override
      public Optional<BaseModel> find(String id) {
        return Optional.empty();
      }

      @Override
      public List<BaseModel> list() {
        return List.of();
      }

      @Override
      public boolean delete(String id) {
        return false;
      }
    };
  }
}
