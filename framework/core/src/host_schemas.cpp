// The host's own tables. [train] holds what changes the science, [exec] only how it is executed.
#include "ganrig/host_schemas.hpp"

namespace ganrig {

namespace {

Schema experiment_schema() {
  Schema s;
  s.string("name", "", "Run name; runs go to runs/<name>/. Defaults to the experiment file's name.");
  s.integer("seed", 0, "Seed of every random stream of the run (weights, latents, data order, augmentation).")
      .at_least(0);
  s.string("description", "", "Free text recorded with the run.");
  s.strings("tags", {}, "Free labels recorded with the run.");
  return s;
}

Schema plugins_schema() {
  Schema s;
  s.strings("paths", {},
            "Extra plugin files or folders, relative to the file that sets them; loaded after the build's "
            "plugin folder, --plugin-path and GANRIG_PLUGIN_PATH.");
  return s;
}

Schema train_schema() {
  Schema s;
  s.real("total_kimg", 100.0, "Length of training in thousands of real images shown to D.").at_least(0);
  s.integer("batch", 64, "Global batch size (images per optimizer step; at most 65536).").at_least(1);
  s.real("tick_kimg", 4.0, "Progress is reported and stats.jsonl gets a line every tick_kimg.").range(1e-6, 1e9);
  s.real("snapshot_kimg", 200.0, "A checkpoint is written every snapshot_kimg (rounded to ticks) and at the end.")
      .range(1e-6, 1e9);
  s.real("sample_kimg", 200.0, "A sample grid from the EMA generator is written every sample_kimg (rounded to ticks).")
      .range(1e-6, 1e9);
  s.integers("sample_grid", {8, 8}, "Rows and columns of the sample grid (fixed latents); a conditional run has one row "
                                    "per class instead (the first 32).").exactly(2).range(1, 64);
  s.real("ema_kimg", 10.0,
         "Half-life of the generator's exponential moving average in kimg; 0 disables averaging (G_ema = G). "
         "Projected GAN uses batch * 10 / 32.")
      .at_least(0);
  s.real("ema_beta", 0.0,
         "A fixed EMA decay per step (PGGAN: 0.999) instead of the half-life; 0 uses ema_kimg.")
      .range(0, 1);
  s.real("ema_rampup", 0.05,
         "EMA ramp-up: the half-life is at most cur_nimg * ema_rampup; 0 disables the ramp-up.")
      .range(0, 1e9);
  s.boolean("sanitize_gradients", true,
            "Replace NaN gradients by 0 and +-Inf by +-1e5 before each step (as Projected GAN's code does).");
  s.integer("max_nonfinite_steps", 10,
            "A step whose loss is NaN or Inf is skipped; after this many in a row the run stops.")
      .at_least(1);
  s.boolean("skip_nonfinite_steps", true,
            "Skip the optimizer step of a phase whose loss is NaN or Inf (false: step anyway on the sanitized "
            "gradients, as Projected GAN's code does; max_nonfinite_steps still stops the run).");
  s.string("spectral_norm_update", "per_phase",
           "When spectral norm's power iteration runs: \"per_phase\" (once per module and phase, however the "
           "batch is split into micro-batches or processes) or \"per_forward\" (once per forward call in "
           "training mode, as torch.nn.utils.spectral_norm and the official Projected GAN code: D's phase then "
           "iterates twice, for fakes and for reals). docs/fidelity.md.")
      .one_of({"per_phase", "per_forward"});
  return s;
}

Schema exec_schema() {
  Schema s;
  s.string("device", "auto", "\"auto\" (CUDA when available, else CPU), \"cpu\", \"cuda\" or \"cuda:N\".");
  s.integer("threads", 0,
            "Intra-op CPU threads; 0 uses every core (Debian's LibTorch would otherwise start with 1).")
      .at_least(0);
  s.integer("batch_per_device", 0,
            "Micro-batch per device; gradients are accumulated up to [train] batch. 0 means the whole batch.")
      .at_least(0);
  s.string("precision", "fp32",
           "Forward-pass precision: \"fp32\" (as the papers), \"bf16\" (autocast to bfloat16; CPUs with "
           "avx512_bf16/AMX, CUDA), \"fp16\" (autocast to float16 with a gradient scaler; CUDA only) or "
           "\"fp64\" (every tensor float64: twin runs, tools/twin/, where float32 rounding would hide the "
           "comparison; slow).")
      .one_of({"fp32", "bf16", "fp16", "fp64"});
  s.boolean("cudnn_benchmark", true, "Let cuDNN time its convolution algorithms once per shape (as the official code).");
  s.boolean("allow_tf32", false,
            "Let CUDA convolutions and matrix products round their inputs to TF32 (Ampere and later GPUs): faster, "
            "less exact. Off, as the official training loop sets it (torch.backends.cudnn.allow_tf32 = False).");
  s.string("progress", "auto", "Progress output: a live line on a terminal, plain lines otherwise.")
      .one_of({"auto", "live", "lines"});
  s.string("backend", "auto",
           "torch.distributed (c10d) backend of a group of processes (--nproc, torchrun, srun): \"auto\" (NCCL on "
           "CUDA when built with it, else Gloo), \"gloo\" or \"nccl\". See docs/distributed.md.")
      .one_of({"auto", "gloo", "nccl"});
  s.integer("timeout_s", 1800,
            "Seconds one collective may wait for ranks that are still alive (rank 0 alone writing a checkpoint or "
            "extracting a metric's real features) before it stops with an error: a guard against a hang.")
      .range(1, 86400);
  s.integer("dist_timeout_s", 300,
            "Seconds a group waits for a rank that does not join the rendezvous, or that has gone silent (process "
            "killed, host or link down: every rank beats through the rendezvous store), before every other rank exits "
            "naming it (docs/distributed.md, \"Across machines\").")
      .range(2, 86400);
  s.component("sample_format", "image_sink", "png",
              "How sample grids are written: \"png\" (OpenCV plugin) or \"ppm\" (built in, no dependency). A build "
              "without OpenCV writes ppm when the key is not given.")
      .or_when_not_built("ppm");
  s.boolean("report", true, "Rewrite RUN/report.html (curves, metrics, samples; docs/report.md) at every tick.");
  s.boolean("reference_kernels", false,
            "Run the frozen projector as the original code's plain op sequence (convolution, then BatchNorm, in "
            "NCHW layout) instead of ganrig's faster equivalent (BatchNorm folded into the convolution, channels-last): "
            "the same function, rounded as the original rounds it. For twin runs (tools/twin/); slower.");
  s.string("record_twin", "",
           "A folder to record every step's reals, random draws (latents, noise, augmentation) and logits in, with "
           "the initial networks, for a twin run of another implementation (tools/twin/, docs/fidelity.md); one "
           "process only. Empty: off.");
  return s;
}

Schema optim_schema() {
  Schema s;
  s.string("type", "adam", "Optimizer.").one_of({"adam"});
  s.real("lr", 2e-4, "Learning rate.").range(0, 10);
  // Adam needs 0 <= beta < 1 (LibTorch refuses 1 when the optimizer is built).
  s.reals("betas", {0.0, 0.99}, "Adam's beta1 and beta2.").exactly(2).range(0, 0.999999);
  s.real("eps", 1e-8, "Adam's epsilon.").range(0, 1);
  return s;
}

std::map<std::string, Schema>& schemas() {
  static std::map<std::string, Schema> tables = {
      {"experiment", experiment_schema()}, {"plugins", plugins_schema()},
      {"train", train_schema()},           {"exec", exec_schema()},
      {"optim.generator", optim_schema()}, {"optim.discriminator", optim_schema()},
  };
  return tables;
}

std::vector<ConfigCheck>& checks() {
  static std::vector<ConfigCheck> registered;
  return registered;
}

}  // namespace

const std::map<std::string, Schema>& host_schemas() { return schemas(); }

bool register_host_table(const std::string& path, Schema schema, ConfigCheck check) {
  schemas()[path] = std::move(schema);
  if (check) checks().push_back(std::move(check));
  return true;
}

const std::vector<ConfigCheck>& host_table_checks() { return checks(); }

}  // namespace ganrig
