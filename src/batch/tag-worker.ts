/**
 * Worker-thread entry for {@link createWorkerPool}: loads its own classifier from the taxonomy directory
 * (a compiled taxonomy cannot be sent between threads), then answers batch messages with their output text and
 * single narratives with their classification as JSON text.
 * Only runs inside a worker; importing it elsewhere does nothing.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Classifier } from '../classify/classifier.js';
import { loadClassifier } from '../classify/load-classifier.js';
import { tagBatch } from './tag-batch.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './workers.js';

function start(port: NonNullable<typeof parentPort>, init: WorkerInit): void {
  let classifier: Classifier;
  try {
    classifier = loadClassifier({ taxonomyDir: init.taxonomyDir, threshold: init.threshold });
  } catch (err) {
    port.postMessage({ type: 'failed', message: (err as Error).message } satisfies WorkerReply);
    return;
  }
  port.postMessage({ type: 'ready', taxonomyVersion: classifier.taxonomyVersion } satisfies WorkerReply);
  port.on('message', (msg: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      reply =
        'task' in msg
          ? { type: 'done', id: msg.id, result: tagBatch(classifier, msg.task) }
          : { type: 'json', id: msg.id, json: JSON.stringify(classifier.classify(msg.classify.narrative, msg.classify.options)) };
    } catch (err) {
      reply = { type: 'error', id: msg.id, message: (err as Error).message };
    }
    port.postMessage(reply);
  });
}

if (!isMainThread && parentPort) start(parentPort, workerData as WorkerInit);
