using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Qtsp.Portal.Features.Token;

/// <summary>A token dialog that answers with a <typeparamref name="TResult"/> when the holder confirms it.</summary>
public interface IAnswers<TResult>
    where TResult : class;

/// <summary>
/// Opening a token dialog and reading its answer, typed: the one place where MudBlazor's untyped
/// <see cref="DialogResult.Data"/> is turned back into what the dialog promised.
/// </summary>
public static class TokenDialogAnswers
{
    /// <summary>The dialog's answer, or null when the holder cancelled or closed it.</summary>
    public static async Task<TResult?> AskAsync<TDialog, TResult>(this IDialogService dialogs, string title, DialogParameters<TDialog> parameters, DialogOptions options)
        where TDialog : IComponent, IAnswers<TResult>
        where TResult : class
    {
        var reference = await dialogs.ShowAsync<TDialog>(title, parameters, options);
        return await reference.Result is { Canceled: false, Data: TResult answer } ? answer : null;
    }

    public static void Answer<TResult>(this IMudDialogInstance dialog, TResult answer)
        where TResult : class => dialog.Close(DialogResult.Ok(answer));

    public static DialogOptions Width(MaxWidth width) => new() { MaxWidth = width, FullWidth = true, CloseButton = true };
}
