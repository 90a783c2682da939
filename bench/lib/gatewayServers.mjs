// Child process for the gateway benchmark: `upstream` (a Chat Completions server on loopback that
// answers small streams at once, or long streams of a given size) or `gateway <upstream url>` (Drover's
// model gateway from the build under test, with one open job session). Prints one line: its address.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ROOT } from './drover.mjs';

const [mode, upstreamUrl] = process.argv.slice(2);
// A clean exit on SIGINT, so `node --cpu-prof` writes its profile.
process.on('SIGINT', () => process.exit(0));

if (mode === 'upstream') {
  const usage = { prompt_tokens: 1000, completion_tokens: 50, total_tokens: 1050 };
  const event = (data) => `data: ${JSON.stringify(data)}\n\n`;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      const bytes = Number(body.metadata?.bytes ?? 0);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', model: body.model ?? 'gpt-4.1' };
      res.write(event({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }));
      const finish = () => {
        res.write(event({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
        res.write(event({ ...base, choices: [], usage }));
        res.end('data: [DONE]\n\n');
      };
      if (bytes === 0) {
        res.write(event({ ...base, choices: [{ index: 0, delta: { content: 'hello' } }] }));
        finish();
        return;
      }
      const piece = Buffer.from(
        event({ ...base, choices: [{ index: 0, delta: { content: 'x'.repeat(16_000) } }] }),
      );
      let sent = 0;
      const pump = () => {
        while (sent < bytes) {
          sent += piece.length;
          if (!res.write(piece)) {
            res.once('drain', pump);
            return;
          }
        }
        finish();
      };
      pump();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
} else if (mode === 'gateway') {
  const { loadGatewayConfig } = await import(join(ROOT, 'dist/gateway/GatewayConfig.js'));
  const { ModelGateway } = await import(join(ROOT, 'dist/gateway/ModelGateway.js'));
  const pino = (await import('pino')).default;
  const config = loadGatewayConfig({
    OPENAI_BASE_URL: `${upstreamUrl}/v1`,
    OPENAI_API_KEY: 'sk-bench-0123456789',
  });
  const gateway = await ModelGateway.start({ config, logger: pino({ level: 'silent' }) });
  const session = await gateway.openJob({ id: 'bench' }, {});
  const wire = session.wires.openai;
  process.stdout.write(`${wire.baseUrl} ${wire.token}\n`);
} else {
  throw new Error(`unknown mode ${mode}`);
}
