// Node-RED settings for the benchmark: no editor or admin API, no credential secret prompts,
// log at warn so logging costs nothing under load. userDir is this folder's data/ (gitignored).
module.exports = {
    uiPort: Number(process.env.PORT || 1880),
    uiHost: "127.0.0.1",
    flowFile: "flows.json",
    credentialSecret: false,
    httpAdminRoot: false,
    disableEditor: true,
    logging: { console: { level: "warn", metrics: false, audit: false } },
    functionExternalModules: false,
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false },
};
