// A script that awaits what the real-time clock will bring (a container's exit, a followed attach,
// an exec) must not see Node exit under it: the clock's pending timer was unref'd (right for a
// server, whose socket keeps it alive), so `await vch.wait(id)` in a script ended the process with
// exit 13 and printed nothing. Awaiting callers now hold the clock.
import { execFile } from "node:child_process";
import { expect, test } from "vitest";

const script = new URL("./fixtures/vch-await-script.mts", import.meta.url).pathname;

test("a script awaiting wait, a followed attach and an exec on the real-time clock runs to its end", async () => {
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ["--import", "tsx", script], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout)).toEqual({ waited: { StatusCode: 0 }, attached: "followed\n", execCode: 7 });
}, 90_000);
