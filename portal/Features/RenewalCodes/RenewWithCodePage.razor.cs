using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Infrastructure;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Portal.Features.RenewalCodes;

public enum WizardStep
{
    Code,
    Start,
    Certificate,
    Application,
    Contact,
    Issue,
}

/// <summary>A certificate the code can renew, and where its key is now (null: its device is not attached).</summary>
public sealed record RenewalCandidate(RenewableCertificate Record, SigningCandidate? OnDevice);

/// <summary>The certificate the code paid for.</summary>
public sealed record RenewalIssued(long CertificateId, string SerialNumber, DateTime NotBeforeUtc, DateTime NotAfterUtc, bool Installed, long? CloudKeyId);

/// <summary>
/// The holder's "Renew with a code" wizard: code → what it buys → start → the certificate renewed → the renewal
/// application signed on the token with that certificate → contact details → issuance (a key on the card through the
/// agent, or in the CA's HSM). Everything it holds between steps lives in the circuit; cancelling drops it, and nothing
/// is spent before the CA issues.
/// </summary>
public sealed partial class RenewWithCodePage
{
    private static readonly WizardStep[] Steps = Enum.GetValues<WizardStep>();

    [Inject]
    private AgentBridge.AgentBridge Bridge { get; set; } = default!;

    [Inject]
    private RenewalCodeRedemption Redemption { get; set; } = default!;

    [Inject]
    private CloudRenewal Cloud { get; set; } = default!;

    [Inject]
    private DeviceCertificates Registry { get; set; } = default!;

    [Inject]
    private DeviceRequestSubmission Submission { get; set; } = default!;

    [Inject]
    private TokenCare Care { get; set; } = default!;

    [Inject]
    private PortalTime Time { get; set; } = default!;

    [Inject]
    private TimeProvider Clock { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private IJSRuntime Js { get; set; } = default!;

    /// <summary>The certificate a reminder's renewal link chose (<c>?certificate={id}</c>): picked in advance.</summary>
    [SupplyParameterFromQuery(Name = "certificate")]
    public long? PreselectedCertificateId { get; set; }

    private WizardStep _step = WizardStep.Code;
    private string? _code;
    private RenewalCodeOffer? _offer;
    private RenewalStart _start = RenewalStart.AfterCurrent;
    private IReadOnlyList<RenewalCandidate> _candidates = [];
    private long _certificateId;
    private RenewalApplicationDraft? _draft;
    private SignedRenewalApplication? _signed;
    private string? _email;
    private string? _phone;
    private IReadOnlyList<FieldError> _errors = [];
    private RenewalIssued? _issued;
    private string? _message;
    private bool _busy;

    private double Progress => 100.0 * ((int)_step + (_issued is null ? 0 : 1)) / Steps.Length;

    private string StepClass(WizardStep step) => step == _step ? "wizard-step current" : step < _step ? "wizard-step done" : "wizard-step";

    private bool CanContinue => _step switch
    {
        WizardStep.Code => _offer is not null,
        WizardStep.Certificate => _candidates.Any(c => c.Record.Id == _certificateId && c.OnDevice is not null),
        _ => true,
    };

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        await base.OnAfterRenderAsync(firstRender);
        if (firstRender)
        {
            Bridge.Changed += OnBridgeChanged;
            await Bridge.StartAsync();
        }
    }

    private void OnBridgeChanged() => _ = InvokeAsync(async () =>
    {
        if (_step == WizardStep.Certificate)
        {
            await LoadCandidatesAsync();
        }

        StateHasChanged();
    });

    private async Task CheckCodeAsync()
    {
        await BusyAsync(async () =>
        {
            _offer = null;
            var outcome = await RunAsync(() => Redemption.CheckAsync(_code));
            if (outcome is null)
            {
                return;
            }

            _offer = outcome.Value;
            _message = outcome.MessageKey is null ? null : L[outcome.MessageKey].Value;
        });
    }

    private async Task ContinueAsync()
    {
        await BusyAsync(async () =>
        {
            _message = null;
            switch (_step)
            {
                case WizardStep.Code when _offer is not null:
                    _code = null; // the code is not needed again: the offer names it by its record
                    _step = WizardStep.Start;
                    break;
                case WizardStep.Start:
                    await LoadCandidatesAsync();
                    if (PreselectedCertificateId is { } preselected && _candidates.Any(c => c.Record.Id == preselected))
                    {
                        _certificateId = preselected;
                    }
                    else if (_candidates.FirstOrDefault(c => c.OnDevice is not null) is { } first)
                    {
                        _certificateId = first.Record.Id;
                    }

                    _step = WizardStep.Certificate;
                    break;
                case WizardStep.Certificate when CanContinue:
                    var prepared = await RunAsync(() => Redemption.PrepareAsync(_offer!, _certificateId, _start));
                    if (prepared?.Value is { } draft)
                    {
                        _draft = draft;
                        _step = WizardStep.Application;
                    }
                    else if (prepared?.MessageKey is { } key)
                    {
                        _message = L[key].Value;
                    }

                    break;
                case WizardStep.Contact when _signed is { } signed:
                    var confirmed = await RunAsync(() => Redemption.ConfirmContactAsync(signed.Id, _email, _phone));
                    if (confirmed is null)
                    {
                        return;
                    }

                    _errors = confirmed.Errors;
                    _message = confirmed.MessageKey is null ? null : L[confirmed.MessageKey].Value;
                    if (confirmed.Succeeded)
                    {
                        _step = WizardStep.Issue;
                    }

                    break;
            }
        });
    }

    private async Task LoadCandidatesAsync()
    {
        var records = await RunAsync(() => Redemption.CertificatesAsync(_offer!)) ?? [];
        var registry = await Registry.ForDevicesAsync(Bridge.Devices);
        var now = Clock.GetUtcNow();
        var onDevices = Bridge.Devices
            .SelectMany(d => d.Areas.SelectMany(a => a.Certificates.Select(c => new SigningCandidate(d, a, c))))
            .Where(s => s.Certificate.HasPrivateKey && s.Certificate.NotBefore <= now && now < s.Certificate.NotAfter && registry.StatusOf(s.Certificate) == RegistryStatus.Known)
            .ToList();
        _candidates = records.Select(r => new RenewalCandidate(r, onDevices.FirstOrDefault(s => registry.RecordOf(s.Certificate) == r.Id))).ToList();
    }

    private async Task SignAsync()
    {
        if (_draft is not { } draft || _candidates.FirstOrDefault(c => c.Record.Id == draft.Certificate.Id)?.OnDevice is not { } signer)
        {
            _message = L[RenewalCodeRedemption.CertificateNotRenewable].Value;
            return;
        }

        await BusyAsync(async () =>
        {
            _message = null;
            var signature = await Care.SignDocumentAsync(signer.Device, signer.Area, signer.Certificate.IdHex, draft.Document, DocumentSignature.RenewalApplication);
            if (signature.Value is not { } signed)
            {
                return; // TokenCare said what went wrong; the application waits to be signed again
            }

            var outcome = await RunAsync(() => Redemption.SubmitSignatureAsync(draft, signed));
            if (outcome?.Value is { } accepted)
            {
                _signed = accepted;
                (_email, _phone) = await Redemption.ContactAsync();
                _step = WizardStep.Contact;
            }
            else if (outcome?.MessageKey is { } key)
            {
                _message = L[key].Value;
                if (key == RenewalCodeRedemption.DraftExpired)
                {
                    _draft = null;
                    _step = WizardStep.Certificate;
                }
            }
        });
    }

    private async Task IssueAsync()
    {
        if (_signed is not { } signed)
        {
            return;
        }

        await BusyAsync(async () =>
        {
            _message = null;
            if (signed.Offer.Medium == KeyMedium.Cloud)
            {
                var cloud = await RunAsync(() => Cloud.IssueAsync(signed.Id));
                if (cloud?.Value is { } issued)
                {
                    _issued = issued;
                }
                else if (cloud?.MessageKey is { } key)
                {
                    _message = L[key].Value;
                }

                return;
            }

            await IssueOnCardAsync(signed);
        });
    }

    /// <summary>Capacity first, then a new key whose request the current certificate's key signs too; the CA issues at once and the certificate goes onto the card.</summary>
    private async Task IssueOnCardAsync(SignedRenewalApplication signed)
    {
        var current = _candidates.FirstOrDefault(c => c.Record.Id == signed.RenewsCertificateId)?.OnDevice;
        var device = current is null ? null : Bridge.Devices.FirstOrDefault(d => d.DeviceId == current.Device.DeviceId);
        var area = device?.Areas.FirstOrDefault(a => a.Kind == current!.Area.Kind);
        if (current is null || device is null || area is null)
        {
            _message = L["RenewalCodes.Issue.DeviceMissing"].Value;
            return;
        }

        if (CapacityRules.Check(area, DeviceModelCatalogue.ById(device.ModelId)) is { } problem)
        {
            _message = Care.DescribeCapacity(problem);
            return;
        }

        var (result, nonce, issuedAt) = await Care.CreateRequestAsync(device, area, AlgorithmOf(area, current.Certificate), CommonNameOf(current.Certificate), null, "CZ",
            current.Certificate.IdHex);
        if (result.Value is not { } created)
        {
            return;
        }

        var outcome = await Submission.SubmitAsync(new DeviceRequest(created, nonce, issuedAt, area.Kind, RenewsCertificateId: signed.RenewsCertificateId,
            RenewalApplicationId: signed.Id));
        if (outcome.Refusal is { } refusal)
        {
            _message = L[$"Requests.Refusal.{refusal}"].Value;
            return;
        }

        if (outcome.Issuance?.Issued is not { } issued)
        {
            _message = L[$"Issuance.Refusal.{outcome.Issuance?.Refusal}", outcome.Issuance?.CaReason?.ToString() ?? ""].Value;
            return;
        }

        var accepted = await Registry.AcceptAsync(issued.CertificateId);
        var installed = accepted.Accepted is { } certificate && (await Care.InstallAsync(device, area, certificate.Der)).IsSuccess;
        using var parsed = accepted.Accepted is { } der ? System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(der.Der) : null;
        _issued = new RenewalIssued(issued.CertificateId, issued.SerialNumber, parsed?.NotBefore.ToUniversalTime() ?? default, parsed?.NotAfter.ToUniversalTime() ?? default,
            installed, null);
    }

    /// <summary>The renewed key's algorithm again (a holder keeps what their applications accept).</summary>
    private static KeyAlgorithm AlgorithmOf(AreaSnapshot area, CertificateView certificate)
    {
        var key = area.Keys.FirstOrDefault(k => k.IdHex == certificate.IdHex);
        return key switch
        {
            { KeyType: var type } when type.Contains("EC", StringComparison.OrdinalIgnoreCase) => key.Curve?.Contains("384", StringComparison.Ordinal) == true ? KeyAlgorithm.EcP384 : KeyAlgorithm.EcP256,
            { SizeBits: 4096 } => KeyAlgorithm.Rsa4096,
            { SizeBits: 3072 } => KeyAlgorithm.Rsa3072,
            _ => KeyAlgorithm.Rsa2048,
        };
    }

    private static string CommonNameOf(CertificateView certificate) =>
        certificate.Subject.Split(", ").FirstOrDefault(p => p.StartsWith("CN=", StringComparison.Ordinal)) is { } cn ? cn[3..] : certificate.Subject;

    private async Task DownloadApplicationAsync()
    {
        if (_draft is { } draft)
        {
            await Care.DownloadAsync($"{draft.Reference}.txt", draft.Document, "text/plain;charset=utf-8");
        }
    }

    private async Task PrintAsync() => await Js.InvokeVoidAsync("print");

    private Task CancelAsync()
    {
        _draft = null;
        _offer = null;
        Navigation.NavigateTo("token");
        return Task.CompletedTask;
    }

    private async Task BusyAsync(Func<Task> work)
    {
        _busy = true;
        try
        {
            await work();
        }
        finally
        {
            _busy = false;
        }
    }

    public ValueTask DisposeAsync()
    {
        Bridge.Changed -= OnBridgeChanged;
        Dispose();
        return ValueTask.CompletedTask;
    }
}
