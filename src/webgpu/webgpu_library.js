// Emscripten JS library: the WebGPU device work of the WebGPU backend (webgpu_backend.cpp), which
// decides what runs; this file only talks to the GPUDevice the loader put in Module.chordGpuDevice
// (navigator.gpu in browsers, the npm `webgpu` package in Node). Buffers and pipelines are named by
// small integer ids. Dispatches are recorded into a command encoder and submitted every 128
// dispatches and when a result is read.
mergeInto(LibraryManager.library, {
  $chordGpu: {
    buffers: [null],      // id → GPUBuffer (0 is no buffer)
    pipelines: [null],    // id → GPUComputePipeline
    layouts: [null],      // id → the pipeline's bind group layout
    encoder: null,
    pass: null,
    passPipeline: 0,      // the pipeline the open pass has set
    // Uniform parameters of the recorded dispatches, 256 bytes apart: gathered in `ringWords` and
    // written to `ring` once, at submission, rather than one queue write per dispatch.
    ring: null,
    ringWords: null,
    ringOffset: 0,
    // Bind groups by pipeline, ring offset and buffer ids. A decoding step repeats the previous
    // step's dispatches, so after the first step every one is found here instead of created.
    bindGroups: null,     // a Map, made on first use (a library object's fields are written out as literals)
    recorded: {},         // ids of the buffers the recorded, unsubmitted commands use
    // Plans: a decoding step's dispatches and copies, recorded once with their bind groups and
    // uniform data, then encoded again for every step (decode_plan.hpp): the next step's commands
    // as soon as a step's are submitted, so that the CPU encodes while the GPU computes.
    plans: [null],        // id → { steps: [...], buffers: [ids], uniform: GPUBuffer, ahead: GPUCommandBuffer or null } or null once dropped
    planning: null,       // the plan being recorded: { steps, buffers: {}, words: [] }
    unsubmitted: 0,       // dispatches recorded since the last submission
    current: null,        // the device the state below belongs to
    device: function () {
      var device = Module['chordGpuDevice'];
      if (!device) throw new Error('no WebGPU device was given');
      if (device !== chordGpu.current) chordGpu.startOn(device);
      return device;
    },
    // A new device (the last one was lost): the open commands, the uniform ring, bind groups and
    // pending reads were the old one's. Its buffers and pipelines stay listed for their models,
    // which report device_lost and are never computed on again.
    startOn: function (device) {
      chordGpu.current = device;
      chordGpu.encoder = null;
      chordGpu.pass = null;
      chordGpu.passPipeline = 0;
      chordGpu.ring = null;
      chordGpu.ringOffset = 0;
      chordGpu.bindGroups = null;
      chordGpu.recorded = {};
      chordGpu.planning = null;
      chordGpu.unsubmitted = 0;
      chordGpu.afterSubmit = [];
      chordGpu.reads = [];
    },
    computePass: function () {
      if (!chordGpu.encoder) chordGpu.encoder = chordGpu.device().createCommandEncoder();
      if (!chordGpu.pass) {
        chordGpu.pass = chordGpu.encoder.beginComputePass();
        chordGpu.passPipeline = 0;
      }
      return chordGpu.pass;
    },
    endPass: function () {
      if (chordGpu.pass) chordGpu.pass.end();
      chordGpu.pass = null;
    },
    // Submits the recorded work and a copy of the buffer's bytes into a new mappable buffer.
    copyBack: function (id, offset, bytes) {
      var device = chordGpu.device();
      var staging = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      chordGpu.endPass();
      if (!chordGpu.encoder) chordGpu.encoder = device.createCommandEncoder();
      chordGpu.encoder.copyBufferToBuffer(chordGpu.buffers[id], offset, staging, 0, bytes);
      chordGpu.submit();
      return staging;
    },
    // Benchmarks (bench/webgpu/bench.mjs) set Module.chordGpuStats = { tokens, recordMs, gpuMs, timed }:
    // each plan run adds the milliseconds it took to record and, where the device has the
    // 'timestamp-query' feature, those the GPU took (timestamps around the plan's passes).
    beginTiming: function () {
      var stats = Module['chordGpuStats'];
      var device = chordGpu.device();
      if (!stats || !device.features.has('timestamp-query')) return null;
      chordGpu.endPass();
      var queries = device.createQuerySet({ type: 'timestamp', count: 2 });
      if (!chordGpu.encoder) chordGpu.encoder = device.createCommandEncoder();
      chordGpu.encoder.beginComputePass({ timestampWrites: { querySet: queries, beginningOfPassWriteIndex: 0 } }).end();
      return queries;
    },
    endTiming: function (queries) {
      if (!queries) return;
      var device = chordGpu.device();
      chordGpu.endPass();
      chordGpu.encoder.beginComputePass({ timestampWrites: { querySet: queries, endOfPassWriteIndex: 1 } }).end();
      var resolved = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      var back = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      chordGpu.encoder.resolveQuerySet(queries, 0, 2, resolved, 0);
      chordGpu.encoder.copyBufferToBuffer(resolved, 0, back, 0, 16);
      var stats = Module['chordGpuStats'];
      chordGpu.afterSubmit.push(function () {
        back.mapAsync(GPUMapMode.READ).then(function () {
          var t = new BigUint64Array(back.getMappedRange());
          stats.gpuMs += Number(t[1] - t[0]) / 1e6;
          stats.timed += 1;
          back.destroy();
          resolved.destroy();
          queries.destroy();
        });
      });
    },
    // With stats.perKernel, each dispatch of a plan in a pass of its own between timestamps, and
    // stats.kernels[pipeline label] = { ms, count, boundBytes } summed over the runs.
    kernelTiming: function (plan) {
      var stats = Module['chordGpuStats'];
      var device = chordGpu.device();
      if (!stats || !stats.perKernel || !device.features.has('timestamp-query')) return null;
      return { queries: device.createQuerySet({ type: 'timestamp', count: 2 * plan.steps.length }), stats: stats };
    },
    endKernelTiming: function (plan, kernels) {
      if (!kernels) return;
      var device = chordGpu.device();
      chordGpu.endPass();
      var bytes = 16 * plan.steps.length;
      var resolved = device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      var back = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      chordGpu.encoder.resolveQuerySet(kernels.queries, 0, 2 * plan.steps.length, resolved, 0);
      chordGpu.encoder.copyBufferToBuffer(resolved, 0, back, 0, bytes);
      chordGpu.afterSubmit.push(function () {
        back.mapAsync(GPUMapMode.READ).then(function () {
          var t = new BigUint64Array(back.getMappedRange());
          var table = kernels.stats.kernels = kernels.stats.kernels || {};
          plan.steps.forEach(function (step, i) {
            if (step.copy) return;
            var label = chordGpu.pipelines[step.pipeline].label;
            var entry = table[label] = table[label] || { ms: 0, count: 0, boundBytes: 0 };
            entry.ms += Number(t[2 * i + 1] - t[2 * i]) / 1e6;
            entry.count += 1;
            // the sizes of the buffers it binds: what a product reads (its weights, nearly all of
            // it), more than a kernel that reads part of a buffer (attention, the caches) does
            step.ids.forEach(function (id) { entry.boundBytes += chordGpu.buffers[id].size; });
          });
          back.destroy();
          resolved.destroy();
          kernels.queries.destroy();
        });
      });
    },
    // Records the plan's dispatches and copies into chordGpu.encoder, with the timestamps that
    // Module.chordGpuStats asks for.
    recordPlan: function (plan) {
      var stats = Module['chordGpuStats'];
      var started = performance.now();
      var timing = chordGpu.beginTiming();
      var kernels = chordGpu.kernelTiming(plan);  // null unless stats ask for each dispatch's time
      var steps = plan.steps;
      for (var i = 0; i < steps.length; ++i) {
        var step = steps[i];
        if (step.copy) {
          chordGpu.endPass();
          if (!chordGpu.encoder) chordGpu.encoder = chordGpu.device().createCommandEncoder();
          var c = step.copy;
          chordGpu.encoder.copyBufferToBuffer(chordGpu.buffers[c[0]], c[1], chordGpu.buffers[c[2]], c[3], c[4]);
          continue;
        }
        if (kernels) {  // a pass of its own, between two timestamps
          chordGpu.endPass();
          if (!chordGpu.encoder) chordGpu.encoder = chordGpu.device().createCommandEncoder();
          chordGpu.pass = chordGpu.encoder.beginComputePass({
            timestampWrites: { querySet: kernels.queries, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
          chordGpu.passPipeline = 0;
        }
        var pass = chordGpu.computePass();
        if (chordGpu.passPipeline !== step.pipeline) pass.setPipeline(chordGpu.pipelines[step.pipeline]);
        chordGpu.passPipeline = step.pipeline;
        pass.setBindGroup(0, step.group);
        pass.dispatchWorkgroups(step.x, step.y, step.z);
      }
      for (var i = 0; i < plan.buffers.length; ++i) chordGpu.recorded[plan.buffers[i]] = true;
      chordGpu.endKernelTiming(plan, kernels);
      chordGpu.endTiming(timing);
      if (stats) {
        stats.tokens += 1;
        stats.recordMs += performance.now() - started;
      }
    },
    // The plan's commands for its next run, finished into a command buffer of their own.
    encodeAhead: function (id) {
      var plan = chordGpu.plans[id];
      if (!plan || plan.ahead || Module['chordGpuStats']) return;
      var saved = { encoder: chordGpu.encoder, pass: chordGpu.pass, passPipeline: chordGpu.passPipeline, recorded: chordGpu.recorded };
      chordGpu.encoder = chordGpu.device().createCommandEncoder();
      chordGpu.pass = null;
      chordGpu.recorded = {};  // the plan's buffers are not pending in the shared encoder
      chordGpu.recordPlan(plan);
      chordGpu.endPass();
      plan.ahead = chordGpu.encoder.finish();
      Object.assign(chordGpu, saved);
    },
    // With stats.promptKernels (an object), each dispatch outside a plan (a prompt's) in a pass of
    // its own between timestamps, and promptKernels[pipeline label] = { ms, count } summed.
    dispatchTimes: null,  // { queries, labels } of the unsubmitted dispatches
    timeDispatch: function (pipeline) {
      var stats = Module['chordGpuStats'];
      var device = chordGpu.device();
      if (!stats || !stats.promptKernels || !device.features.has('timestamp-query')) return;
      if (!chordGpu.dispatchTimes) chordGpu.dispatchTimes = { queries: device.createQuerySet({ type: 'timestamp', count: 512 }), labels: [] };
      var times = chordGpu.dispatchTimes;
      chordGpu.endPass();
      if (!chordGpu.encoder) chordGpu.encoder = device.createCommandEncoder();
      var i = times.labels.length;
      chordGpu.pass = chordGpu.encoder.beginComputePass({
        timestampWrites: { querySet: times.queries, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
      chordGpu.passPipeline = 0;
      times.labels.push(chordGpu.pipelines[pipeline].label);
    },
    endDispatchTimes: function () {
      var times = chordGpu.dispatchTimes;
      if (!times || !chordGpu.encoder) return;
      chordGpu.dispatchTimes = null;
      var device = chordGpu.device();
      var bytes = 16 * times.labels.length;
      var resolved = device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      var back = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      chordGpu.encoder.resolveQuerySet(times.queries, 0, 2 * times.labels.length, resolved, 0);
      chordGpu.encoder.copyBufferToBuffer(resolved, 0, back, 0, bytes);
      var table = Module['chordGpuStats'].promptKernels;
      chordGpu.afterSubmit.push(function () {
        back.mapAsync(GPUMapMode.READ).then(function () {
          var t = new BigUint64Array(back.getMappedRange());
          times.labels.forEach(function (label, i) {
            var entry = table[label] = table[label] || { ms: 0, count: 0 };
            entry.ms += Number(t[2 * i + 1] - t[2 * i]) / 1e6;
            entry.count += 1;
          });
          back.destroy();
          resolved.destroy();
          times.queries.destroy();
        });
      });
    },
    afterSubmit: [],      // callbacks for once the recorded work is submitted
    // The asynchronous reads begun together (a step's logits; a saved session's every cache row),
    // awaited together, each taken once: { id, offset, bytes, data once mapped }.
    reads: [],
    readAt: function (id, offset, bytes) {
      return chordGpu.reads.findIndex(function (r) { return r.data && r.id === id && r.offset === offset && r.bytes === bytes; });
    },
    submit: function () {
      chordGpu.endPass();
      chordGpu.endDispatchTimes();
      var queue = chordGpu.device().queue;
      if (chordGpu.ringOffset) queue.writeBuffer(chordGpu.ring, 0, chordGpu.ringWords.buffer, 0, chordGpu.ringOffset);
      if (chordGpu.encoder) queue.submit([chordGpu.encoder.finish()]);
      chordGpu.encoder = null;
      var after = chordGpu.afterSubmit;
      chordGpu.afterSubmit = [];
      after.forEach(function (f) { f(); });
      chordGpu.ringOffset = 0;
      chordGpu.recorded = {};
      chordGpu.unsubmitted = 0;
    },
  },

  chord_gpu_ready__deps: ['$chordGpu'],
  chord_gpu_ready: function () {
    return Module['chordGpuDevice'] ? 1 : 0;
  },

  chord_gpu_max_binding__deps: ['$chordGpu'],
  chord_gpu_max_binding: function () {
    return chordGpu.device().limits.maxStorageBufferBindingSize;
  },

  chord_gpu_workgroup_bytes__deps: ['$chordGpu'],
  chord_gpu_workgroup_bytes: function () {
    return chordGpu.device().limits.maxComputeWorkgroupStorageSize;
  },

  chord_gpu_is_cpu__deps: ['$chordGpu'],
  chord_gpu_is_cpu: function () {
    var info = chordGpu.device().adapterInfo;
    return info && (info.isFallbackAdapter || info.architecture === 'swiftshader') ? 1 : 0;
  },

  // Module.chordGpuPlanOptions = { roundInProducts } (benchmarks and tests compare the two ways):
  // whether the fused products of a decoding plan round their input in each workgroup.
  chord_gpu_round_in_products__deps: ['$chordGpu'],
  chord_gpu_round_in_products: function () {
    var options = Module['chordGpuPlanOptions'];
    return options && options.roundInProducts !== undefined ? (options.roundInProducts ? 1 : 0) : 1;
  },

  // Module.chordGpuPlanOptions.productWorkgroups: how many workgroups a decoding product spreads
  // over at most (0: the backend's choice); for benchmarks.
  chord_gpu_product_workgroups__deps: ['$chordGpu'],
  chord_gpu_product_workgroups: function () {
    var options = Module['chordGpuPlanOptions'];
    return options && options.productWorkgroups ? options.productWorkgroups >>> 0 : 0;
  },

  // Module.chordGpuPlanOptions.productLanes: threads a decoding product's row takes (8, 16 or the
  // default 32); for benchmarks.
  chord_gpu_product_lanes__deps: ['$chordGpu'],
  chord_gpu_product_lanes: function () {
    var options = Module['chordGpuPlanOptions'];
    return options && options.productLanes ? options.productLanes >>> 0 : 0;
  },

  // Module.chordGpuPlanOptions.matmulSlices: the slices a prompt's product cuts its columns into
  // (0: the backend's choice); for tests and benchmarks.
  chord_gpu_matmul_slices__deps: ['$chordGpu'],
  chord_gpu_matmul_slices: function () {
    var options = Module['chordGpuPlanOptions'];
    return options && options.matmulSlices ? options.matmulSlices >>> 0 : 0;
  },

  // The adapter's largest subgroup size where the device has 'subgroups' (the decoding products then
  // take a row a subgroup), else 0; Module.chordGpuPlanOptions.subgroups = false asks for the plain
  // kernels (tests compare both).
  chord_gpu_subgroup_size__deps: ['$chordGpu'],
  chord_gpu_subgroup_size: function () {
    var device = chordGpu.device();
    var options = Module['chordGpuPlanOptions'];
    if (!device.features.has('subgroups') || (options && options.subgroups === false)) return 0;
    var size = device.adapterInfo ? device.adapterInfo.subgroupMaxSize : 0;
    return size >= 4 && size <= 128 && (size & (size - 1)) === 0 ? size : 0;
  },

  // Compiles a WGSL kernel (entry point main) into a pipeline; what does not compile shows as the
  // device's uncaptured errors (the parity test counts them as failures).
  chord_gpu_pipeline__deps: ['$chordGpu'],
  chord_gpu_pipeline: function (code, label) {
    var device = chordGpu.device();
    var module = device.createShaderModule({ code: UTF8ToString(code), label: UTF8ToString(label) });
    var pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: module, entryPoint: 'main' }, label: UTF8ToString(label) });
    chordGpu.pipelines.push(pipeline);
    chordGpu.layouts.push(pipeline.getBindGroupLayout(0));
    return chordGpu.pipelines.length - 1;
  },

  // A zero-filled storage buffer of at least `bytes` (rounded up to 4).
  chord_gpu_buffer__deps: ['$chordGpu'],
  chord_gpu_buffer: function (bytes) {
    var size = Math.max(4, Math.ceil(bytes / 4) * 4);
    var buffer = chordGpu.device().createBuffer({
      size: size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    chordGpu.buffers.push(buffer);
    return chordGpu.buffers.length - 1;
  },

  chord_gpu_release__deps: ['$chordGpu'],
  chord_gpu_release: function (id) {
    // Recorded commands still use it (unless they were a lost device's: then they never run).
    if (chordGpu.recorded[id] && Module['chordGpuDevice'] === chordGpu.current) chordGpu.submit();
    if (chordGpu.buffers[id]) chordGpu.buffers[id].destroy();
    chordGpu.buffers[id] = null;
    if (chordGpu.bindGroups) chordGpu.bindGroups.clear();  // some may hold the buffer
    for (var p = 1; p < chordGpu.plans.length; ++p) {  // and plans: chord_gpu_plan_run then says so
      var plan = chordGpu.plans[p];
      if (plan && plan.buffers.indexOf(id) >= 0) {
        plan.uniform.destroy();
        chordGpu.plans[p] = null;
      }
    }
  },

  // From here to chord_gpu_plan_end, dispatches and copies are recorded into a plan, not run.
  chord_gpu_plan_begin__deps: ['$chordGpu'],
  chord_gpu_plan_begin: function () {
    chordGpu.planning = { steps: [], words: [] };
  },

  // The plan's bind groups and uniform buffer, made once; returns its id.
  chord_gpu_plan_end__deps: ['$chordGpu'],
  chord_gpu_plan_end: function () {
    var device = chordGpu.device();
    var plan = chordGpu.planning;
    chordGpu.planning = null;
    var uniform = device.createBuffer({ size: Math.max(256, plan.words.length * 4), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(uniform, 0, new Uint32Array(plan.words));
    var used = {};
    plan.steps.forEach(function (step) {
      var ids = step.copy ? [step.copy[0], step.copy[2]] : step.ids;
      ids.forEach(function (id) { used[id] = true; });
      if (step.copy) return;
      var entries = step.ids.map(function (id, i) { return { binding: i, resource: { buffer: chordGpu.buffers[id] } }; });
      entries.push({ binding: step.ids.length, resource: { buffer: uniform, offset: step.offset, size: step.bytes } });
      step.group = device.createBindGroup({ layout: chordGpu.layouts[step.pipeline], entries: entries });
    });
    chordGpu.plans.push({ steps: plan.steps, buffers: Object.keys(used).map(Number), uniform: uniform });
    return chordGpu.plans.length - 1;
  },

  // Records the plan's dispatches and copies again; 0 if the plan was dropped (a buffer it used
  // was released), 1 otherwise.
  chord_gpu_plan_run__deps: ['$chordGpu'],
  chord_gpu_plan_run: function (id) {
    var plan = chordGpu.plans[id];
    if (!plan) return 0;
    var stats = Module['chordGpuStats'];
    var ahead = plan.ahead;
    plan.ahead = null;
    if (ahead && !stats) {  // encoded while the GPU ran the previous step: what was recorded before goes first
      chordGpu.submit();
      chordGpu.device().queue.submit([ahead]);
    } else {
      chordGpu.recordPlan(plan);
    }
    // The next step's commands are encoded as soon as this step's are submitted, while the GPU runs them.
    if (!stats) chordGpu.afterSubmit.push(function () { chordGpu.encodeAhead(id); });
    return 1;
  },

  // Dispatches in a plan (for tests and benchmarks).
  chord_gpu_plan_dispatches__deps: ['$chordGpu'],
  chord_gpu_plan_dispatches: function (id) {
    var plan = chordGpu.plans[id];
    return plan ? plan.steps.filter(function (step) { return !step.copy; }).length : 0;
  },

  // Bytes [data, data + bytes) of wasm memory into the buffer at `offset` (both multiples of 4,
  // except that a tail shorter than 4 bytes is padded with zeros).
  chord_gpu_write__deps: ['$chordGpu'],
  chord_gpu_write: function (id, offset, data, bytes) {
    // A write reaches the buffer before the next submission: commands recorded before it that
    // use the buffer are submitted first, so they see what was there when they were recorded.
    if (chordGpu.recorded[id]) chordGpu.submit();
    var queue = chordGpu.device().queue;
    var whole = Math.floor(bytes / 4) * 4;
    for (var done = 0; done < whole; done += 1 << 26) {  // in pieces of 64 MB
      var piece = Math.min(1 << 26, whole - done);
      queue.writeBuffer(chordGpu.buffers[id], offset + done, HEAPU8.buffer, (data >>> 0) + done, piece);
    }
    if (whole < bytes) {
      var tail = new Uint8Array(4);
      tail.set(HEAPU8.subarray((data >>> 0) + whole, (data >>> 0) + bytes));
      queue.writeBuffer(chordGpu.buffers[id], offset + whole, tail);
    }
  },

  // Records a dispatch of `pipeline` with buffers[0 … n) at bindings 0 … n − 1 and the
  // `params_bytes` of uniform parameters at binding n.
  chord_gpu_dispatch__deps: ['$chordGpu'],
  chord_gpu_dispatch: function (pipeline, buffers, n, params, paramsBytes, x, y, z) {
    var device = chordGpu.device();
    var plan = chordGpu.planning;
    if (plan) {  // recorded into the plan: its parameters at a 256-byte slot of the plan's uniform buffer
      var ids = [];
      for (var i = 0; i < n; ++i) ids.push(HEAPU32[(buffers >>> 2) + i]);
      var slot = plan.words.length;
      for (var i = 0; i < 64; ++i) plan.words.push(i < paramsBytes >> 2 ? HEAPU32[(params >>> 2) + i] : 0);
      plan.steps.push({ pipeline: pipeline, ids: ids, offset: slot * 4, bytes: paramsBytes, x: x, y: y, z: z });
      return;
    }
    if (!chordGpu.ring) {  // 256 dispatches' parameters: more than a submission holds
      chordGpu.ring = device.createBuffer({ size: 1 << 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      chordGpu.ringWords = new Uint32Array(1 << 14);
      chordGpu.bindGroups = new Map();
    }
    if (chordGpu.ringOffset + 256 > chordGpu.ring.size) chordGpu.submit();
    var offset = chordGpu.ringOffset;
    chordGpu.ringOffset += 256;
    for (var i = 0; i < paramsBytes >> 2; ++i) chordGpu.ringWords[(offset >> 2) + i] = HEAPU32[(params >>> 2) + i];
    var key = pipeline + ':' + offset;
    for (var i = 0; i < n; ++i) {
      var id = HEAPU32[(buffers >>> 2) + i];
      chordGpu.recorded[id] = true;
      key += ',' + id;
    }
    var group = chordGpu.bindGroups.get(key);
    if (!group) {
      var entries = [];
      for (var i = 0; i < n; ++i) entries.push({ binding: i, resource: { buffer: chordGpu.buffers[HEAPU32[(buffers >>> 2) + i]] } });
      entries.push({ binding: n, resource: { buffer: chordGpu.ring, offset: offset, size: paramsBytes } });
      if (chordGpu.bindGroups.size >= 16384) chordGpu.bindGroups.clear();  // bounded: prompts of many lengths
      group = device.createBindGroup({ layout: chordGpu.layouts[pipeline], entries: entries });
      chordGpu.bindGroups.set(key, group);
    }
    chordGpu.timeDispatch(pipeline);  // benchmarks only
    var pass = chordGpu.computePass();
    if (chordGpu.passPipeline !== pipeline) pass.setPipeline(chordGpu.pipelines[pipeline]);
    chordGpu.passPipeline = pipeline;
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y, z);
    // Submitted in pieces, so that the GPU starts on a forward pass while the rest is recorded.
    if (++chordGpu.unsubmitted >= 128) chordGpu.submit();
  },

  chord_gpu_copy__deps: ['$chordGpu'],
  chord_gpu_copy: function (src, srcOffset, dst, dstOffset, bytes) {
    if (chordGpu.planning) {
      chordGpu.planning.steps.push({ copy: [src, srcOffset, dst, dstOffset, bytes] });
      return;
    }
    chordGpu.endPass();
    if (!chordGpu.encoder) chordGpu.encoder = chordGpu.device().createCommandEncoder();
    chordGpu.encoder.copyBufferToBuffer(chordGpu.buffers[src], srcOffset, chordGpu.buffers[dst], dstOffset, bytes);
    chordGpu.recorded[src] = true;
    chordGpu.recorded[dst] = true;
  },

  // Submits what was recorded and a copy of `bytes` at `offset` of the buffer into a mappable
  // buffer; Module.chordGpuPending resolves when its bytes, and those of the reads begun with it,
  // are in JS (the decoding loop awaits it). A read begun once the others have arrived starts a
  // new set (dropping those never taken).
  chord_gpu_begin_read__deps: ['$chordGpu'],
  chord_gpu_begin_read: function (id, offset, bytes) {
    var staging = chordGpu.copyBack(id, offset, bytes);
    var read = { id: id, offset: offset, bytes: bytes, data: null };
    if (chordGpu.reads.every(function (r) { return r.data; })) chordGpu.reads = [];
    chordGpu.reads.push(read);
    var arrived = staging.mapAsync(GPUMapMode.READ).then(function () {
      read.data = new Uint8Array(staging.getMappedRange()).slice();
      staging.destroy();
    });
    Module['chordGpuPending'] = chordGpu.reads.length > 1 ? Promise.all([Module['chordGpuPending'], arrived]) : arrived;
  },

  chord_gpu_read_ready__deps: ['$chordGpu'],
  chord_gpu_read_ready: function (id, offset, bytes) {
    return chordGpu.readAt(id, offset, bytes) >= 0 ? 1 : 0;
  },

  // `bytes` at `offset` of the buffer into wasm memory at `out`: those of the finished
  // asynchronous read, or, in the asyncified test build, read now (waiting for the GPU).
  chord_gpu_read__deps: ['$chordGpu'],
  chord_gpu_read: function (id, offset, out, bytes) {
#if ASYNCIFY
    return Asyncify.handleAsync(async function () {
      var staging = chordGpu.copyBack(id, offset, bytes);
      await staging.mapAsync(GPUMapMode.READ);
      HEAPU8.set(new Uint8Array(staging.getMappedRange()), out >>> 0);
      staging.destroy();
    });
#else
    var read = chordGpu.reads.splice(chordGpu.readAt(id, offset, bytes), 1)[0];
    HEAPU8.set(read.data, out >>> 0);
#endif
  },
});
