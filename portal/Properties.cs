using System.Resources;

[assembly: NeutralResourcesLanguage("cs")]
