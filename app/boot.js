// Starts the app. A file, not an inline script, so the Content-Security-Policy can forbid
// inline script. trunk fills data-js / data-wasm with the hashed bundle names.
const script = document.querySelector('script[data-js][data-wasm]');
const bindings = await import(script.dataset.js);
await bindings.default({ module_or_path: script.dataset.wasm });
