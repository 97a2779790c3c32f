package relay.dynamodb.embedded;

/** A table's StreamSpecification; {@code label} names the stream (it is the tail of the stream's ARN). */
record StreamSettings(boolean enabled, String viewType, String label) {
}
