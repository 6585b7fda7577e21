using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Qtsp.Portal.Features.Token;

namespace Qtsp.Portal.Features.Certificates;

public sealed partial class IssuanceProtocolPage
{
    [Parameter]
    public long Id { get; set; }

    private CertificateDetail? _detail;
    private CertificateDetails? _read;
    private string? _requestNumber;
    private string? _issuerName;

    protected override async Task OnParametersSetAsync()
    {
        _detail = await LoadAsync(() => Certificates.GetAsync(Id));
        _read = _detail is null ? null : CertificateDetails.TryRead(_detail.Certificate.Der);
        if (_read is not null)
        {
            using var certificate = CertificateDetails.Load(_detail!.Certificate.Der);
            _issuerName = certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, forIssuer: true);
        }

        _requestNumber = _detail is null ? null : await LoadAsync(() => Certificates.RequestNumberAsync(Id));
    }

    /// <summary>The subject's serialNumber attribute (EN 319 412-1 semantics identifier), when it has one.</summary>
    private static string? SubjectSerialNumber(CertificateDetails read) =>
        read.Subject.Split(", ").Select(part => part.Trim()).FirstOrDefault(part => part.StartsWith("SERIALNUMBER=", StringComparison.OrdinalIgnoreCase)) is { } attribute
            ? attribute["SERIALNUMBER=".Length..]
            : null;

    private async Task PrintAsync() => await JS.InvokeVoidAsync("print");
}
