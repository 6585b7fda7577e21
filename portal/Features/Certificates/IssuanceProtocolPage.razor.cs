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
    private string? _subjectSerialNumber;

    protected override async Task OnParametersSetAsync()
    {
        _detail = await LoadAsync(() => Certificates.GetAsync(Id));
        _read = _detail is null ? null : CertificateDetails.TryRead(_detail.Certificate.Der);
        if (_read is not null)
        {
            using var certificate = CertificateDetails.Load(_detail!.Certificate.Der);
            _issuerName = certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, forIssuer: true);
            _subjectSerialNumber = Requests.IssuanceSubjects.SerialNumberOf(certificate);
        }

        _requestNumber = _detail is null ? null : await LoadAsync(() => Certificates.RequestNumberAsync(Id));
    }

    private async Task PrintAsync() => await JS.InvokeVoidAsync("print");
}
