package dev.tuneup.auth;

import java.time.Instant;

/** A person or service account. {@code defaultWorkspaceId} scopes requests without a header. */
public record User(
    String id, String name, boolean admin, String defaultWorkspaceId, Instant createdAt) {}
