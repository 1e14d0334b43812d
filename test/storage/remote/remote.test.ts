/**
 * The storage client behaviour suite, run on the remote client over the Kafka protocol: a real
 * broker in a temporary directory behind the Kafka listener on a free loopback port.
 */
import { Broker } from '../../../storage/broker/broker.js';
import { silentLogger } from '../../../storage/logger.js';
import { RemoteClient } from '../../../storage/remote/client.js';
import { KafkaListener } from '../../../server/kafka/listener.js';
import { tempDir } from '../../helpers/tmp.js';
import { clientSuite } from '../client/client-suite.js';

clientSuite('remote client over the Kafka protocol', async () => {
  const { dir, cleanup } = tempDir('freshet-remote-');
  const broker = await Broker.open({
    dataDir: dir,
    groupInitialRebalanceDelayMs: 0,
    groupMinSessionTimeoutMs: 1000,
    logger: silentLogger,
    offsetsTopicPartitions: 4,
    transactionStateTopicPartitions: 4,
  });
  const listener = new KafkaListener(broker, { host: '127.0.0.1', port: 0, logger: silentLogger });
  const { host, port } = await listener.start();
  return {
    client: new RemoteClient({ brokers: [`${host}:${port}`], clientId: 'freshet-remote-test' }),
    close: async () => {
      await listener.close();
      await broker.close();
      cleanup();
    },
  };
});
