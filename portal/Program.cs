using Qtsp.Portal;

var app = PortalHost.Build(args);
await PortalHost.PrepareAsync(app).ConfigureAwait(false);
await app.RunAsync().ConfigureAwait(false);
