/**
 * A recording fake of the AWS SDK's `SQSClient.send`: it keeps every command (its class name
 * and input) and answers with what the test scripts — for message shapes, batching and the
 * retries of failed entries without a queue.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";

/** One command as `send` received it. */
export interface RecordedCommand {
  name: string;
  input: Record<string, unknown>;
}

/** The fake client and what it recorded. */
export interface RecordingClient {
  client: { send: SQSClient["send"] };
  commands: RecordedCommand[];
  /** The recorded commands named `name`. */
  of(name: string): RecordedCommand[];
}

/** Builds a fake whose answer to each command is `answer(command)` (a throw rejects `send`). */
export function recordingClient(
  answer: (command: RecordedCommand, index: number) => unknown | Promise<unknown>,
): RecordingClient {
  const commands: RecordedCommand[] = [];
  const send = async (command: { constructor: { name: string }; input: unknown }) => {
    const recorded = {
      name: command.constructor.name,
      input: structuredClone(command.input) as Record<string, unknown>,
    };
    commands.push(recorded);
    return answer(recorded, commands.length - 1);
  };
  return {
    client: { send: send as unknown as SQSClient["send"] },
    commands,
    of: (name) => commands.filter((c) => c.name === name),
  };
}

/** The answer of a `SendMessageBatch` that accepted every entry. */
export function acceptAll(command: RecordedCommand): unknown {
  const entries = command.input.Entries as Array<{ Id: string }>;
  return {
    Successful: entries.map((e) => ({ Id: e.Id, MessageId: `msg-${e.Id}`, MD5OfMessageBody: "" })),
    Failed: [],
  };
}
