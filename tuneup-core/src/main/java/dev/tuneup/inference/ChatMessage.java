package dev.tuneup.inference;

/** One turn of a conversation: {@code system}, {@code user} or {@code assistant}. */
public record ChatMessage(String role, String content) {}
