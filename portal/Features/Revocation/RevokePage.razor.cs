using Microsoft.AspNetCore.Components;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Features.Revocation;

/// <summary>
/// Revocation without signing in, with the revocation password (a lost or stolen device). The page says only "revoked"
/// or one answer for every miss — it never tells whether a certificate or e-mail exists.
/// </summary>
public sealed partial class RevokePage
{
    [SupplyParameterFromForm]
    private RevokeInput Input { get; set; } = default!;

    private PasswordRevocationResult? _result;

    protected override void OnInitialized() => Input ??= new();

    private async Task SubmitAsync()
    {
        _result = await Revocation.RevokeAsync(Input.Identifier, Input.Password, Input.Reason);
        Input.Password = null;
    }

    private sealed class RevokeInput
    {
        public string? Identifier { get; set; }

        public string? Password { get; set; }

        public RevocationReason Reason { get; set; } = RevocationReason.KeyCompromise;
    }
}
