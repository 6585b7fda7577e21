namespace Qtsp.Portal.Infrastructure;

public static class PortalPaths
{
    /// <summary>Portal:DataDirectory, relative to the content root; "data" by default.</summary>
    public static string DataDirectory(IConfiguration configuration, IHostEnvironment environment) =>
        Path.GetFullPath(configuration["Portal:DataDirectory"] ?? "data", environment.ContentRootPath);
}
