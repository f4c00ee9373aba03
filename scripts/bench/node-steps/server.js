#!/usr/bin/env node
// The step tracker's Node.js peer for scripts/bench/stream: the original task done the way its solutions do it,
// in memory, with Express for REST and `ws` for the WebSocket (Debian's node-express and node-ws).
//
//   GET /users/:username/steps  → 200 {"cumulativeSteps": n, "ts": t} or 404 {"error": "User doesn't exist"}
//   ws://HOST:WS_PORT/ (any path) ← one JSON update per text frame:
//                                   {"update_id": "…", "username": "…", "ts": n, "newSteps": n}
//
// Updates are validated like docs/products/steps.md says (an invalid one is ignored and the connection stays
// open) and applied to a plain object, one property per user, in place: nothing copies the store per message.
// What it does not do, because the original task does not: durability (a restart forgets everything),
// exactly-once by update_id, acknowledgements (`?ack=1` is accepted and ignored), connection limits.
//
// usage: NODE_PATH=/usr/share/nodejs node server.js [--host H] [--http-port P] [--ws-port P]
//        (or STEPS_HOST, STEPS_HTTP_PORT, STEPS_WS_PORT; defaults 127.0.0.1, 8080, 8081)
// Debian installs its node-* packages under /usr/share/nodejs; Debian's own nodejs searches there by itself,
// other builds (NodeSource's) need NODE_PATH.
'use strict';

const express = require('express');
const { WebSocketServer } = require('ws');

function option(name, envName, fallback) {
  const index = process.argv.indexOf(name);
  if (index >= 0 && index + 1 < process.argv.length) return process.argv[index + 1];
  return process.env[envName] || fallback;
}

function port(name, envName, fallback) {
  const value = Number(option(name, envName, fallback));
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name} must be a port number (0…65535)`);
    process.exit(2);
  }
  return value;
}

const host = option('--host', 'STEPS_HOST', '127.0.0.1');
const httpPort = port('--http-port', 'STEPS_HTTP_PORT', '8080');
const wsPort = port('--ws-port', 'STEPS_WS_PORT', '8081');
const maxUsernameBytes = 256;
const maxNewSteps = 1e15;
const maxFrameBytes = 64 * 1024;

// username → {cumulativeSteps, ts}. No prototype, so `toString`, `__proto__` … are ordinary names (404 until
// an update names them), as the contract asks.
const users = Object.create(null);
let applied = 0;
let ignored = 0;

// The contract's rules for one update (docs/products/steps.md, "WebSocket: sending updates").
function validUpdate(update) {
  if (update === null || typeof update !== 'object' || Array.isArray(update)) return false;
  const { update_id: id, username, ts, newSteps } = update;
  if (typeof id !== 'string' || id.length === 0) return false;
  if (typeof username !== 'string' || username.length === 0) return false;
  // A JS string's length counts UTF-16 units; only long names need their UTF-8 size measured.
  if (username.length > maxUsernameBytes / 3 && Buffer.byteLength(username, 'utf8') > maxUsernameBytes) return false;
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return false;
  if (typeof newSteps !== 'number' || !Number.isFinite(newSteps) || newSteps < 0 || newSteps > maxNewSteps) {
    return false;
  }
  return true;
}

function onMessage(data, isBinary) {
  if (isBinary) {
    ignored++;
    return;
  }
  let update;
  try {
    update = JSON.parse(data.toString('utf8'));
  } catch {
    ignored++;
    return;
  }
  if (!validUpdate(update)) {
    ignored++;
    return;
  }
  const user = users[update.username];
  if (user === undefined) {
    users[update.username] = { cumulativeSteps: update.newSteps, ts: update.ts };
  } else {
    user.cumulativeSteps += update.newSteps;
    user.ts = update.ts;
  }
  applied++;
}

const app = express();
app.disable('x-powered-by');
app.disable('etag');

app.get('/users/:username/steps', (req, res) => {
  const name = req.params.username;
  const user = Buffer.byteLength(name, 'utf8') <= maxUsernameBytes ? users[name] : undefined;
  if (user === undefined) {
    res.status(404).json({ error: "User doesn't exist" });
    return;
  }
  res.json({ cumulativeSteps: user.cumulativeSteps, ts: user.ts });
});

// For the benchmark driver: readiness and what the server counted.
app.get('/health', (req, res) => {
  res.json({ status: 'ok', users: Object.keys(users).length, applied, ignored });
});

app.use((req, res) => {
  res.status(404).json({ error: 'Not Found' });
});

// Express answers a path segment that is not valid percent-encoding with a 400 error; answer it in JSON.
// eslint-disable-next-line no-unused-vars
app.use((err, req, res, next) => {
  const status = err.status || err.statusCode || 500;
  res.status(status).json({ error: status === 400 ? 'username is not valid percent-encoded UTF-8' : 'Internal error' });
});

const httpServer = app.listen(httpPort, host, () => {
  console.log(`steps REST on http://${host}:${httpServer.address().port}`);
});

const wss = new WebSocketServer({ host, port: wsPort, maxPayload: maxFrameBytes, perMessageDeflate: false });
wss.on('listening', () => {
  console.log(`steps WebSocket on ws://${host}:${wss.address().port}`);
});
wss.on('connection', (socket) => {
  socket.on('message', onMessage);
  // A protocol error (an oversized or malformed frame) closes that socket; it must not end the process.
  socket.on('error', () => {});
});

function stop() {
  console.log(`stopping: ${applied} updates applied, ${ignored} ignored, ${Object.keys(users).length} users`);
  for (const client of wss.clients) client.terminate();
  wss.close();
  httpServer.close(() => process.exit(0));
  httpServer.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
