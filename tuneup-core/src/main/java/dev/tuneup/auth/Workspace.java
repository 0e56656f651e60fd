package dev.tuneup.auth;

import java.time.Instant;

/** A named scope for jobs, files and deployments; users are its members. */
public record Workspace(String id, String name, Instant createdAt) {}
