#!/usr/bin/env node
// Converts a tfjs layers model from the nsfwjs npm package (model.min.js + group1-shard*.min.js,
// UMD modules exporting the model.json object and base64 weight shards) into ganrig's weight
// file: "GANRIGW1", uint64 LE header length, a JSON header {source, tensors: [{name, shape,
// offset}]}, then float32 LE values. Every tensor is uint8 affine-quantised in the package and
// is dequantised here as value = min + scale * q, exactly as tfjs does. Keras names and layouts
// are kept (conv kernels [kh, kw, in, out], depthwise [kh, kw, C, 1]); the C++ side permutes.
//
//   node convert.js MODEL_DIR OUTPUT.bin '{"package": "nsfwjs", "version": "4.3.0", ...}'
'use strict';
const fs = require('fs');
const path = require('path');

const [modelDir, output, sourceJson] = process.argv.slice(2);
if (!modelDir || !output) {
  console.error('usage: node convert.js MODEL_DIR OUTPUT.bin [SOURCE_JSON]');
  process.exit(2);
}
const model = require(path.resolve(modelDir, 'model.min.js'));
const tensors = [];
const chunks = [];
let offset = 0;
for (const group of model.weightsManifest) {
  const bytes = Buffer.concat(group.paths.map((p) => Buffer.from(require(path.resolve(modelDir, p + '.min.js')), 'base64')));
  let at = 0;
  for (const w of group.weights) {
    const count = w.shape.reduce((a, b) => a * b, 1);
    const q = w.quantization;
    if (!q || q.dtype !== 'uint8') throw new Error(`${w.name}: expected uint8 quantisation`);
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = q.min + q.scale * bytes[at + i];
    at += count;
    tensors.push({ name: w.name, shape: w.shape, offset });
    chunks.push(Buffer.from(values.buffer));
    offset += count;
  }
  if (at !== bytes.length) throw new Error(`shards hold ${bytes.length} bytes, manifest uses ${at}`);
}
const header = Buffer.from(JSON.stringify({ source: sourceJson ? JSON.parse(sourceJson) : {}, tensors }));
const length = Buffer.alloc(8);
length.writeBigUInt64LE(BigInt(header.length));
fs.writeFileSync(output + '.tmp', Buffer.concat([Buffer.from('GANRIGW1'), length, header, ...chunks]));
fs.renameSync(output + '.tmp', output);
console.log(`wrote ${output}: ${tensors.length} tensors, ${offset} values`);
