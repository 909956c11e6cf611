/**
 * The joint complaint publication (publication.ts) in a worker thread (publication-pool.ts). Its disclosure
 * audit took 11.6 s for 30 days of complaints on a loaded box, all of it on the event loop that also fans out
 * every live delta and answers every handshake: here it runs beside that loop, not on it.
 */
import { parentPort } from 'node:worker_threads';
import { publishComplaints } from './publication';
import type { PublicationJob, PublicationReply } from './publication-pool';

parentPort!.on('message', (job: PublicationJob) => {
  let reply: PublicationReply;
  try {
    reply = { id: job.id, ok: true, publication: publishComplaints(job.rows, { k: job.k, now: job.now, regions: job.regions }) };
  } catch (e) {
    reply = { id: job.id, ok: false, message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  parentPort!.postMessage(reply);
});
