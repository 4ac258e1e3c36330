// The demo's tools: functions the page runs itself when the model calls them, described in
// OpenAI's tools format (the model's chat template shows them to it). Small schemas on purpose: a
// small model fills them in reliably, and a forced call (tool_choice 'required') stays short.
export const DEMO_TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_current_time',
      description: 'The current date and time where the user is, with the time zone',
      parameters: { type: 'object', properties: {} },
    },
  },
  {
    type: 'function',
    function: {
      name: 'roll_dice',
      description: 'Rolls dice and tells what came up',
      parameters: {
        type: 'object',
        properties: {
          sides: { type: 'integer', enum: [4, 6, 8, 12, 20], description: 'faces of each die' },
          count: { type: 'integer', enum: [1, 2, 3, 4, 5, 6], description: 'how many dice' },
        },
        required: ['sides'],
      },
    },
  },
];

const IMPLEMENTATIONS = {
  get_current_time() {
    const now = new Date();
    return { iso: now.toISOString(), local: now.toLocaleString(), timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone };
  },
  roll_dice({ sides = 6, count = 1 }) {
    const rolls = Array.from({ length: count }, () => 1 + Math.floor(Math.random() * sides));
    return { rolls, total: rolls.reduce((a, b) => a + b, 0) };
  },
};

// The result of a call as the text of a `tool` message: the function's result as JSON, or an
// error the model can read (a model may name a tool that does not exist or write bad arguments).
export function runTool(name, argumentsText) {
  const run = Object.hasOwn(IMPLEMENTATIONS, name) ? IMPLEMENTATIONS[name] : null;
  if (!run) return JSON.stringify({ error: `no tool is named ${name}` });
  let args;
  try {
    args = JSON.parse(argumentsText || '{}');
  } catch {
    return JSON.stringify({ error: 'the arguments are not JSON' });
  }
  return JSON.stringify(run(args ?? {}));
}

// How a call reads in the conversation: roll_dice({"sides":20}).
export function describeCall(call) {
  return `${call.function.name}(${call.function.arguments})`;
}
