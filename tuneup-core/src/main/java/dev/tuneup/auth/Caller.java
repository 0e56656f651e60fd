package dev.tuneup.auth;

/**
 * Who makes a request: the user behind the API key and the workspace the request is scoped to.
 * Every resource lookup is filtered by both.
 */
public record Caller(String userId, String workspaceId, boolean admin) {}
