/** Errors of the Kafka listener itself (not of a request: those travel as Kafka error codes). */
import { FreshetError } from '../../storage/errors.js';

export type KafkaListenerErrorCode =
  /** The listener could not bind its host and port. */
  | 'KAFKA_LISTENER_BIND_FAILED'
  /** An option is out of range or inconsistent. */
  | 'KAFKA_LISTENER_INVALID_OPTION'
  /** start() on a listener that is running or closed. */
  | 'KAFKA_LISTENER_STATE';

export class KafkaListenerError extends FreshetError {
  declare readonly code: KafkaListenerErrorCode;

  constructor(code: KafkaListenerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
