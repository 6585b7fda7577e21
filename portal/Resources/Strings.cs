namespace Qtsp.Portal.Resources;

/// <summary>Marker for the portal's texts: Strings.resx (Czech, the neutral language) and Strings.en.resx.</summary>
public sealed class Strings;
