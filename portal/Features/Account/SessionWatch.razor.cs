using System.Security.Claims;
using Microsoft.JSInterop;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Account;

public sealed partial class SessionWatch
{
    public const string ModulePath = "./js/session-activity.js";

    private readonly CancellationTokenSource _stop = new();
    private DotNetObjectReference<SessionWatch>? _self;
    private IJSObjectReference? _module;
    private string? _signInToken;
    private string? _userId;

    // Who this page belongs to, kept from its start: once the sign-in has ended, the actor resolves to no one.
    private Actor? _actor;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender || !RendererInfo.IsInteractive)
        {
            return;
        }

        var principal = (await Authentication.GetAuthenticationStateAsync()).User;
        _signInToken = SignInSessions.TokenOf(principal);
        _userId = principal.Identity?.IsAuthenticated == true ? principal.FindFirstValue(ClaimTypes.NameIdentifier) : null;
        if (_userId is null)
        {
            return; // a page without a sign-in has nothing to watch
        }

        _actor = Current.LastResolved;

        // The circuit's revalidation found the sign-in ended: the page goes at once, not at the next tick.
        Authentication.AuthenticationStateChanged += OnAuthenticationStateChanged;
        _self = DotNetObjectReference.Create(this);
        try
        {
            _module = await JS.InvokeAsync<IJSObjectReference>("import", ModulePath);
            await _module.InvokeVoidAsync("watch", _self, (int)Options.Value.ReportInterval.TotalMilliseconds);
        }
        catch (JSDisconnectedException)
        {
            return;
        }

        _ = WatchAsync();
    }

    private void OnAuthenticationStateChanged(Task<Microsoft.AspNetCore.Components.Authorization.AuthenticationState> state) => _ = InvokeAsync(async () =>
    {
        if ((await state).User.Identity?.IsAuthenticated != true)
        {
            if (await SignIns.EndReasonAsync(_signInToken) == SignInSessionEnd.Idle && Activity.EndNow())
            {
                await ExpireAsync();
            }
            else
            {
                Ended();
            }
        }
    });

    [JSInvokable]
    public void UserActive() => Activity.Touch();

    private async Task WatchAsync()
    {
        using var timer = new PeriodicTimer(Options.Value.CheckInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (Activity.ExpiresNow())
                {
                    // The idle clock of this page ran out; the sign-in ends with it unless another tab was in use meanwhile.
                    await SignIns.CheckAsync(_signInToken, _userId, activity: false);
                    await InvokeAsync(ExpireAsync);
                    return;
                }

                if (_userId is not null && await SignIns.CheckAsync(_signInToken, _userId, activity: false) is null)
                {
                    if (await SignIns.EndReasonAsync(_signInToken) == SignInSessionEnd.Idle && Activity.EndNow())
                    {
                        await InvokeAsync(ExpireAsync);
                    }
                    else
                    {
                        await InvokeAsync(Ended);
                    }

                    return;
                }

                await InvokeAsync(CheckpointDraftsAsync);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // What the open forms hold, kept in the tab should this instance stop before the next tick (see FormDrafts).
    private async Task CheckpointDraftsAsync()
    {
        try
        {
            await Drafts.CheckpointAsync();
        }
        catch (Exception exception) when (exception is JSDisconnectedException or JSException or TaskCanceledException)
        {
            // The page is going away: nothing to keep it for.
        }
    }

    // Signed out in another tab, or ended by a password change or a reset: nothing of this page is kept.
    private void Ended()
    {
        if (Activity.EndNow())
        {
            Navigation.NavigateTo("account/login", forceLoad: true);
        }
    }

    private async Task ExpireAsync()
    {
        var actor = Current.LastResolved ?? _actor;
        try
        {
            if (_module is not null)
            {
                await _module.InvokeVoidAsync("commitInput");
            }

            await Drafts.SaveOpenFormsAsync();
        }
        catch (JSDisconnectedException)
        {
            return; // the page is gone already: nothing to keep, nowhere to go
        }

        if (actor is not null)
        {
            await AgentLinks.CloseAllOfAsync(actor.Support?.StaffUserId ?? actor.UserId);
            try
            {
                await Audit.RecordAsync(actor, AuditActions.SessionExpired, AuditSubjects.User(actor.UserName), new { idle = Options.Value.IdleTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture) });
            }
            catch (DataUnavailableException)
            {
                LogExpiryNotRecorded(Log);
            }
        }

        var here = "/" + Navigation.ToBaseRelativePath(Navigation.Uri);
        Navigation.NavigateTo($"account/login?expired=true&returnUrl={Uri.EscapeDataString(here)}", forceLoad: true);
    }

    public async ValueTask DisposeAsync()
    {
        Authentication.AuthenticationStateChanged -= OnAuthenticationStateChanged;
        await _stop.CancelAsync();
        _stop.Dispose();
        if (_module is not null)
        {
            try
            {
                await _module.InvokeVoidAsync("stop");
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
            }
        }

        _self?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The expiry of a sign-in could not be recorded: the database is unavailable.")]
    private static partial void LogExpiryNotRecorded(ILogger logger);
}
