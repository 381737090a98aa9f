// Preloaded (--require) into a server process by a test: when the process exits, it writes the path of every
// CommonJS module it loaded to LOADED_MODULES_FILE, one per line.
process.on('exit', () => {
  require('node:fs').writeFileSync(process.env.LOADED_MODULES_FILE, Object.keys(require.cache).join('\n'));
});
