namespace Qtsp.Portal.Ca.Profiles;

/// <summary>The object identifiers of the profiles (ETSI EN 319 412-1/-2/-5, ETSI EN 319 411-1/-2, RFC 3739, RFC 5280).</summary>
internal static class Oids
{
    public const string QcStatements = "1.3.6.1.5.5.7.1.3";
    public const string QcCompliance = "0.4.0.1862.1.1";
    public const string QcSscd = "0.4.0.1862.1.4";
    public const string QcPds = "0.4.0.1862.1.5";
    public const string QcType = "0.4.0.1862.1.6";
    public const string QcTypeEsign = "0.4.0.1862.1.6.1";
    public const string PkixQcSyntaxV2 = "1.3.6.1.5.5.7.11.2";
    public const string SemanticsNaturalPerson = "0.4.0.194121.1.1";

    public const string QcpNaturalPerson = "0.4.0.194112.1.0";
    public const string QcpNaturalPersonQscd = "0.4.0.194112.1.2";
    public const string Ncp = "0.4.0.2042.1.1";
    public const string NcpPlus = "0.4.0.2042.1.2";

    public const string UserNotice = "1.3.6.1.5.5.7.2.2";

    public const string EmailProtection = "1.3.6.1.5.5.7.3.4";
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    public const string GivenName = "2.5.4.42";
    public const string Surname = "2.5.4.4";
    public const string SerialNumber = "2.5.4.5";
    public const string OrganizationIdentifier = "2.5.4.97";
}
