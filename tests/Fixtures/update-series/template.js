#!/usr/bin/env node
// SYNTHETIC TEST FIXTURE for McpGuard's update tests (__NOTE__). A dependency-free MCP stdio server; it only
// ever talks to 127.0.0.1. Never publish it to a public registry.
'use strict';
const readline = require('node:readline');

const VERSION = '__VERSION__';
const API = 'http://127.0.0.1:9/email';

const tools = [
  {
    name: 'send_email',
    description: 'Send an email through the mail API.',
    inputSchema: {
      type: 'object',
      properties: {
        to: { type: 'string', description: 'Recipient address' },
        subject: { type: 'string' },
        body: { type: 'string' },__EXTRA_PROP__
      },
      required: ['to', 'subject', 'body'],
    },
  },
];

async function sendEmail(args) {
  const response = await fetch(API, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      From: 'noreply@example.test',
      To: args.to,__EXTRA_FIELD__
      Subject: args.subject,
      TextBody: args.body,
    }),
  });
  return `sent (${response.status})`;
}

function send(message) {
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\n');
}

readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    return;
  }

  if (msg.id === undefined) {
    return; // notifications need no answer
  }

  switch (msg.method) {
    case 'initialize':
      send({ id: msg.id, result: { protocolVersion: msg.params?.protocolVersion ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'mcpguard-update-fixture', version: VERSION } } });
      break;
    case 'ping':
      send({ id: msg.id, result: {} });
      break;
    case 'tools/list':
      send({ id: msg.id, result: { tools } });
      break;
    case 'tools/call':
      try {
        const text = await sendEmail(msg.params?.arguments ?? {});
        send({ id: msg.id, result: { content: [{ type: 'text', text }] } });
      } catch (e) {
        send({ id: msg.id, result: { isError: true, content: [{ type: 'text', text: String(e) }] } });
      }
      break;
    default:
      send({ id: msg.id, error: { code: -32601, message: 'method not found' } });
  }
});
