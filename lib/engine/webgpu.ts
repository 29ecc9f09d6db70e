/**
 * WebGPU adapter check. Deno exposes `navigator.gpu` even on machines without
 * a GPU, where the adapter is a software rasteriser (Mesa llvmpipe) running
 * at under 1 GFLOPS; we refuse those with a message instead of "using the GPU".
 *
 * @module
 */

const SOFTWARE_ADAPTERS = /llvmpipe|lavapipe|swiftshader|softpipe|software/i;

/** Whether a real (hardware) WebGPU adapter exists, with the reason. */
export async function checkWebGpuAdapter(): Promise<
  { ok: true; reason: string } | { ok: false; reason: string }
> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { ok: false, reason: "navigator.gpu is not available" };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (error) {
    return { ok: false, reason: `requestAdapter failed: ${String(error)}` };
  }
  if (!adapter) return { ok: false, reason: "no WebGPU adapter found" };
  const info = adapter.info;
  const label = [
    info?.vendor,
    info?.architecture,
    info?.device,
    info?.description,
  ]
    .filter(Boolean).join(" ");
  if (
    (adapter as GPUAdapter & { isFallbackAdapter?: boolean })
      .isFallbackAdapter ||
    info?.isFallbackAdapter || SOFTWARE_ADAPTERS.test(label)
  ) {
    return {
      ok: false,
      reason: `the only WebGPU adapter is a software rasteriser (${
        label || "fallback adapter"
      }); it is slower than the cpu backend, so it is refused`,
    };
  }
  return { ok: true, reason: `WebGPU adapter ${label || "(unnamed)"}` };
}
