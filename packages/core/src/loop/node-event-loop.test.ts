import { describe } from "vitest";
import { describeEventLoopConformance } from "../testing/loop-conformance.js";
import { NodeEventLoop } from "./node-event-loop.js";

describe("NodeEventLoop", () => {
  describeEventLoopConformance("node", () => new NodeEventLoop());
});
