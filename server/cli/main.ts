/** The `freshet` command line. */
import { Command } from 'commander';
import { registerKafkaCommands } from './kafka/commands.js';
import { registerKsql } from './ksql.js';
import { registerStart } from './start-command.js';

const program = new Command()
  .name('freshet')
  .description('Freshet: a stream processing engine with its own Kafka-compatible log broker.')
  .showHelpAfterError();

registerStart(program);
registerKsql(program);
registerKafkaCommands(program);

await program.parseAsync(process.argv);
