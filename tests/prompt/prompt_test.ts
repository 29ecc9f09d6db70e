import assert from "node:assert/strict";
import { promptText } from "../../lib/prompt/prompt.ts";

Deno.test("promptText reads the last user message of a conversation", () => {
  assert.equal(promptText("plain"), "plain");
  assert.equal(
    promptText([
      { role: "system", content: "Be brief." },
      { role: "user", content: "first" },
      { role: "assistant", content: "ok" },
      { role: "user", content: "second" },
    ]),
    "second",
  );
  assert.throws(
    () => promptText([{ role: "system", content: "s" }]),
    /no user message/,
  );
});
