import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { tf } from "../../lib/engine/mod.ts";
import { loadOpenBlas } from "../../lib/engine/blas.ts";
import { BENCH_COMMAND } from "../../lib/bench/args.ts";
import { measure } from "../../lib/bench/measure.ts";
import { selectBenchmarks } from "../../lib/bench/registry.ts";
import { type GroupReport, runBenchmarks } from "../../lib/bench/runner.ts";
import { formatTable } from "../../lib/bench/table.ts";
import { atLeast, type Benchmark } from "../../lib/bench/types.ts";
import { parseCommandLine } from "../../lib/util/flags.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function positiveFinite(value: unknown, where: string): void {
  assert.ok(
    typeof value === "number" && Number.isFinite(value) && value > 0,
    `${where} should be a positive finite number, got ${value}`,
  );
}

async function readReport(dir: string, group: string): Promise<GroupReport> {
  return JSON.parse(await Deno.readTextFile(`${dir}/${group}.json`));
}

Deno.test("command line: groups, --quick, --out, and errors that name the argument", () => {
  const parseBenchArgs = (argv: string[]) =>
    parseCommandLine(BENCH_COMMAND, argv);
  assert.deepEqual(parseBenchArgs(["matmul", "--quick", "--out", "x"]), {
    positionals: ["matmul"],
    values: { quick: true, out: "x" },
    help: false,
  });
  assert.equal(parseBenchArgs(["--out=y"]).values.out, "y");
  assert.throws(() => parseBenchArgs(["--fast"]), /unknown option "--fast"/);
  assert.throws(() => parseBenchArgs(["--out"]), /--out needs a directory/);
  assert.throws(
    () => selectBenchmarks(["matmul", "nope"]),
    /unknown bench group "nope"; known groups: matmul, block/,
  );
  assert.deepEqual(
    [...new Set(selectBenchmarks(["block"]).map((b) => b.group))],
    ["block"],
  );
});

Deno.test("table columns line up, numbers right-aligned", () => {
  const text = formatTable(
    [{ key: "k", header: "kernel" }, { key: "g", header: "GFLOPS" }],
    [{ k: "a", g: 123.456 }, { k: "longer", g: 1.5 }, { k: "x" }],
  );
  assert.equal(
    text,
    [
      "kernel  GFLOPS",
      "------  ------",
      "a          123",
      "longer    1.50",
      "x            –",
    ].join("\n"),
  );
});

Deno.test("runner writes <group>.json with machine facts, rows, checks and errors", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "tunebook-bench-" });
  const tiny: Benchmark = {
    name: "tiny-matmul",
    group: "tiny",
    description: "32×32 matmul",
    async run({ quick }) {
      assert.equal(quick, true);
      const a = tf.randomUniform([32, 32]), b = tf.randomUniform([32, 32]);
      const t = await measure(() => tf.matMul(a, b), {
        warmup: 1,
        repeats: 3,
        minSampleMs: 2,
      });
      tf.dispose([a, b]);
      const gflops = 2 * 32 ** 3 / t.bestMs / 1e6;
      return {
        rows: [{ kernel: "default", bestMs: t.bestMs, bestGflops: gflops }],
        checks: [atLeast("impossible target", gflops, 1e9, " GFLOPS")],
      };
    },
  };
  const broken: Benchmark = {
    name: "broken",
    group: "tiny",
    description: "throws",
    run: () => Promise.reject(new Error("boom")),
  };
  const printed: string[] = [];
  try {
    const summary = await runBenchmarks([tiny, broken], {
      quick: true,
      outDir,
      print: (text) => printed.push(text),
      log: () => {},
    });
    assert.deepEqual(summary.files, [`${outDir}/tiny.json`]);
    assert.equal(summary.failedChecks.length, 1);
    assert.deepEqual(summary.errors, ["tiny/broken: boom"]);
    const report = await readReport(outDir, "tiny");
    assert.equal(report.group, "tiny");
    assert.equal(report.quick, true);
    assert.ok(!Number.isNaN(Date.parse(report.date)));
    assert.ok(report.machine.cpu.length > 0);
    assert.ok(report.machine.cores >= 1);
    assert.equal(report.machine.deno, Deno.version.deno);
    assert.match(report.machine.engine, /^wasm: /);
    const [ok, failed] = report.benchmarks;
    assert.deepEqual(ok.columns.map((c) => c.key), [
      "kernel",
      "bestMs",
      "bestGflops",
    ]);
    positiveFinite(ok.rows[0].bestGflops, "tiny bestGflops");
    assert.equal(ok.checks[0].pass, false);
    assert.equal(failed.error, "boom");
    assert.match(printed.join("\n"), /check: impossible target: .* FAIL/);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("`bench matmul block --quick --out DIR` runs every kernel and writes sane numbers", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "tunebook-bench-" });
  try {
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "lib/cli/bench.ts",
        "matmul",
        "block",
        "--quick",
        "--out",
        outDir,
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(run.stdout);
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    assert.match(stdout, /## matmul \/ square/);
    assert.match(stdout, /GFLOPS best/);
    assert.match(stdout, /## block \/ train-step/);

    const matmul = await readReport(outDir, "matmul");
    assert.deepEqual(matmul.benchmarks.map((b) => b.name), [
      "square",
      "transformer",
    ]);
    for (const bench of matmul.benchmarks) {
      assert.equal(bench.error, undefined);
      const kernels = new Set(bench.rows.map((r) => r.kernelId));
      // OpenBLAS is optional for the engine, so its rows are expected only where it loads.
      const blas = loadOpenBlas().ok ? ["blas-1t", "blas-2t"] : [];
      for (const id of ["cpu", "stock", "xnnpack", ...blas]) {
        assert.ok(kernels.has(id), `${bench.name}: no rows for kernel ${id}`);
      }
      for (const row of bench.rows) {
        const where = `${bench.name} ${row.case} ${row.kernel}`;
        positiveFinite(row.bestGflops, `${where} bestGflops`);
        positiveFinite(row.medianGflops, `${where} medianGflops`);
      }
    }

    const block = await readReport(outDir, "block");
    const rows = block.benchmarks[0].rows;
    assert.ok(rows.length >= 2);
    for (const row of rows) {
      positiveFinite(row.bestTokensPerSecond, `${row.kernel} tokens/s`);
      // Same seeds on every kernel: the loss must fall, and agree closely.
      assert.ok(
        Number(row.lossEnd) < Number(row.lossStart),
        row.kernel as string,
      );
      assert.ok(Math.abs(Number(row.lossEnd) - Number(rows[0].lossEnd)) < 1e-3);
    }
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
