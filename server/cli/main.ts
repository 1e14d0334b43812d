/** The `freshet` command line. */
import { Command } from 'commander';
import { registerStart } from './start.js';

const program = new Command()
  .name('freshet')
  .description('Freshet: a stream processing engine with its own Kafka-compatible log broker.')
  .showHelpAfterError();

registerStart(program);

await program.parseAsync(process.argv);
