// A rendering worker: loads the template once, then renders the tasks it is sent.
import { parentPort } from 'node:worker_threads';
import { loadTemplate } from './contracts.ts';
import { renderTask, type RenderReply, type RenderTask } from './tasks.ts';

const port = parentPort;
if (port) {
  const template = await loadTemplate();
  port.on('message', (task: RenderTask) => {
    let reply: RenderReply;
    try {
      reply = { id: task.id, files: renderTask(template, task) };
    } catch (error) {
      reply = { id: task.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true });
}
