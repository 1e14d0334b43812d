/** Per-task counters: what the runtime reports as metrics and what tests assert on. */

export class TaskMetrics {
  processed = 0;
  /** Records skipped because they could not be deserialized (log-and-continue). */
  skippedDeserialization = 0;
  /** Records skipped because processing threw (log-and-continue). */
  skippedProcessing = 0;
  /** Records with an invalid (negative) timestamp that were skipped. */
  skippedInvalidTimestamp = 0;
  /** Records dropped because they arrived after their window's grace period. */
  droppedLate = 0;
  /** Records a join or aggregation dropped for a null key (or value, where ksqlDB/Kafka drop them). */
  droppedNullKey = 0;
  punctuations = 0;

  snapshot(): Record<string, number> {
    return {
      processed: this.processed,
      skippedDeserialization: this.skippedDeserialization,
      skippedProcessing: this.skippedProcessing,
      skippedInvalidTimestamp: this.skippedInvalidTimestamp,
      droppedLate: this.droppedLate,
      droppedNullKey: this.droppedNullKey,
      punctuations: this.punctuations,
    };
  }
}
