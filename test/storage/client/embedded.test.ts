import { Broker } from '../../../storage/broker/broker.js';
import { silentLogger } from '../../../storage/logger.js';
import { tempDir } from '../../helpers/tmp.js';
import { clientSuite } from './client-suite.js';

clientSuite('embedded broker', async () => {
  const { dir, cleanup } = tempDir();
  const broker = await Broker.open({ dataDir: dir, groupInitialRebalanceDelayMs: 0, logger: silentLogger, offsetsTopicPartitions: 4, transactionStateTopicPartitions: 4 });
  return {
    client: broker.client(),
    close: async () => {
      await broker.close();
      cleanup();
    },
  };
});
