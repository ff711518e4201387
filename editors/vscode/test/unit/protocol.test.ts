/** The run-protocol version a server advertises decides whether runs are offered. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PROTOCOL_MAJOR, protocolVersion } from "../../src/protocol";

test("the version comes from experimental.tracker.protocolVersion", () => {
  assert.equal(protocolVersion({ experimental: { tracker: { protocolVersion: 1 } } }), 1);
  assert.equal(PROTOCOL_MAJOR, 1);
});

test("a server without the run protocol has no version", () => {
  assert.equal(protocolVersion({}), undefined);
  assert.equal(protocolVersion({ experimental: { tracker: { protocolVersion: "1" } } }), undefined);
  assert.equal(protocolVersion(undefined), undefined);
});
