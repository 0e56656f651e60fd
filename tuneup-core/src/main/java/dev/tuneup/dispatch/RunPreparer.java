package dev.tuneup.dispatch;

import dev.tuneup.file.StoredFile;
import dev.tuneup.job.Job;
import dev.tuneup.registry.ResolvedModel;
import java.nio.file.Path;
import java.util.List;

/**
 * Lays out a job directory for a (re)start: writes {@code spec.json} and picks the latest complete
 * checkpoint to resume from.
 */
public interface RunPreparer {
  /**
   * @return the spec file to hand to the trainer
   */
  Path prepare(
      Job job,
      ResolvedModel model,
      List<StoredFile> trainingFiles,
      List<StoredFile> validationFiles);
}
