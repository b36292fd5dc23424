#!/usr/bin/env node
// Produces the numbers the C++ ports of the nsfwjs models (the mobilenet_v2 projector, the
// inception_v3 metric detector) are tested against, with an independent implementation:
// TensorFlow.js layers (pure-JS CPU backend) running the same quantised model. Run once by
// tools/nsfwjs/make-golden.sh; its output is committed under tests/fixtures/golden/.
//
//   node golden.js MODEL_DIR mobilenet_v2|inception_v3 > taps.json   (NODE_PATH must reach @tensorflow/*)
'use strict';
const path = require('path');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tfl = require('@tensorflow/tfjs-layers');

// The fixed input, in NHWC: x = offset + amplitude * sin(0.05 h + 0.03 w + 1.7 c + 0.9 n), or
// (levels = 255) that value rounded to a uint8 level k / 255, as an image the metric detector reads.
function fixedInput(n, size, offset, amplitude, levels) {
  const values = new Float32Array(n * size * size * 3);
  let i = 0;
  for (let b = 0; b < n; b++)
    for (let h = 0; h < size; h++)
      for (let w = 0; w < size; w++)
        for (let c = 0; c < 3; c++) { const v = offset + amplitude * Math.sin(0.05 * h + 0.03 * w + 1.7 * c + 0.9 * b); values[i++] = levels ? Math.round(v * levels) / levels : v; }
  return tf.tensor4d(values, [n, size, size, 3]);
}

async function main() {
  const [modelDir, which] = process.argv.slice(2);
  // Per model: the taps (Keras layer names) and the input (size and range the model expects).
  const specs = {
    mobilenet_v2: { names: ['block_2_add', 'block_5_add', 'block_12_add', 'block_10_project_BN', 'block_16_project_BN'],
                    size: 224, offset: 0.0, amplitude: 0.9, text: '0.9*sin(0.05h+0.03w+1.7c+0.9n), NHWC, n=2, 224x224' },
    inception_v3: { names: ['mixed5', 'mixed10', 'flatten_1'],
                    size: 299, offset: 0.5, amplitude: 0.45, levels: 255, text: 'round(255*(0.5+0.45*sin(0.05h+0.03w+1.7c+0.9n)))/255, NHWC, n=2, 299x299' },
  };
  const spec = specs[which || 'mobilenet_v2'];
  const model = require(path.resolve(modelDir, 'model.min.js'));
  const group = model.weightsManifest[0];
  const bytes = Buffer.concat(group.paths.map((p) => Buffer.from(require(path.resolve(modelDir, p + '.min.js')), 'base64')));
  const handler = {
    load: async () => ({
      modelTopology: model.modelTopology,
      weightSpecs: group.weights,
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    }),
  };
  await tf.setBackend('cpu');
  const full = await tfl.loadLayersModel(handler);
  const names = spec.names;
  const taps = tfl.model({ inputs: full.inputs, outputs: names.map((n) => full.getLayer(n).output) });
  const outputs = taps.predict(fixedInput(2, spec.size, spec.offset, spec.amplitude, spec.levels));
  const result = { input: spec.text, implementation: `tfjs-layers ${tfl.version_layers}, cpu backend`, taps: {} };
  for (let k = 0; k < names.length; k++) {
    const nchw = outputs[k].rank === 4 ? tf.transpose(outputs[k], [0, 3, 1, 2]) : outputs[k];
    const flat = await nchw.data();
    const step = Math.floor(flat.length / 64);
    const samples = [];
    for (let i = 0; i < 64; i++) samples.push({ index: i * step, value: flat[i * step] });
    result.taps[names[k]] = {
      shape_nchw: nchw.shape,
      mean: (await tf.mean(nchw).data())[0],
      mean_abs: (await tf.mean(tf.abs(nchw)).data())[0],
      samples,
    };
  }
  process.stdout.write(JSON.stringify(result, null, 1) + '\n');
}
main().catch((e) => { console.error(e); process.exit(1); });
