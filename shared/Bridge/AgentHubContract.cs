namespace Qtsp.Shared.Bridge;

/// <summary>Names shared by the agent's hub and the portal's bridge, so neither side spells them on its own.</summary>
public static class AgentHubContract
{
    public const string Path = "/hub";

    /// <summary>The protocol revision; the portal refuses an agent that speaks another one.</summary>
    public const int ProtocolVersion = 1;

    // client → agent
    public const string GetAgentInfo = nameof(GetAgentInfo);
    public const string GetDevices = nameof(GetDevices);
    public const string GetTokenInfo = nameof(GetTokenInfo);
    public const string Refresh = nameof(Refresh);
    public const string ChangePin = nameof(ChangePin);
    public const string UnblockPin = nameof(UnblockPin);
    public const string Login = nameof(Login);
    public const string Logout = nameof(Logout);
    public const string CreateKeyRequest = nameof(CreateKeyRequest);
    public const string InstallCertificate = nameof(InstallCertificate);
    public const string ImportPkcs12 = nameof(ImportPkcs12);
    public const string GetCertificate = nameof(GetCertificate);
    public const string DeleteObjects = nameof(DeleteObjects);
    public const string RenameToken = nameof(RenameToken);
    public const string PrepareComplaint = nameof(PrepareComplaint);
    public const string SignChallenge = nameof(SignChallenge);
    public const string SignDocument = nameof(SignDocument);
    public const string CancelOperation = nameof(CancelOperation);

    // agent → client (the hub's typed client, ITokenClient)
    public const string DevicesChanged = nameof(ITokenClient.DevicesChanged);
    public const string OperationProgress = nameof(ITokenClient.OperationProgress);
}
