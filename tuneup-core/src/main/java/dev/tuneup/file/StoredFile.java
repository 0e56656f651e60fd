package dev.tuneup.file;

import java.time.Instant;

/** An uploaded file: metadata in the store, bytes in the {@link BlobStore} under its id. */
public record StoredFile(
    String id,
    String userId,
    String workspaceId,
    String name,
    String description,
    String purpose,
    long size,
    String md5,
    long lines,
    Instant createdAt) {}
