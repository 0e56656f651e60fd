package dev.tuneup.auth;

import java.time.Instant;

/**
 * A stored API key. Only a hash of the secret is kept.
 *
 * @param id the public part of the key, used to find its record
 * @param secretHash SHA-256 of the whole key text
 */
public record ApiKey(String id, String userId, String name, byte[] secretHash, Instant createdAt) {}
